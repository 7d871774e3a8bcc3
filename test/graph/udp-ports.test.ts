// A service with a UDP port beside its TCP or HTTP ports (a game server's real-time snapshots, a
// DNS or syslog server). Istio's sidecar captures and proxies TCP only ("Non-TCP based protocols,
// such as UDP, are not proxied": https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/),
// so no VirtualService route takes the UDP port; the Service still has it, so every route of the
// host's VirtualService names its destination port (istiod: "must specify port" when the Service
// has several: IST0112, VirtualServiceDestinationPortSelectorRequired, MESH103).
import { MeshService } from '../../src';
import { find, meshChart, synth } from '../util';

const gameServer = (ports: { port: number; protocol: 'tcp' | 'udp' | 'http'; name?: string }[], stateful = true) => {
  const { app, chart } = meshChart();
  new MeshService(chart, 'gameserver', {
    image: 'registry.example.com/gameserver:7.0.1', ports, ...(stateful ? { stateful: {} } : {}),
  });
  return synth(app);
};

describe('a UDP port beside the ports Istio routes', () => {
  test.each([true, false])('a TCP port and a UDP port (stateful: %s): the TCP route names its port, no route for UDP', (stateful) => {
    const out = gameServer([{ port: 7777, protocol: 'tcp', name: 'tcp-game' }, { port: 7778, protocol: 'udp', name: 'udp-game' }], stateful);
    expect(find(out, 'VirtualService', 'gameserver').spec.tcp).toEqual([
      { match: [{ port: 7777 }], route: [{ destination: { host: 'gameserver', port: { number: 7777 }, subset: 'stable' }, weight: 100 }] },
    ]);
    expect(find(out, 'Service', 'gameserver').spec.ports).toEqual([
      { name: 'tcp-game', port: 7777, protocol: 'TCP', targetPort: 7777 },
      { name: 'udp-game', port: 7778, protocol: 'UDP', targetPort: 7778 },
    ]);
  });

  test('an HTTP port and a UDP port: the default route names the HTTP port', () => {
    const out = gameServer([{ port: 8080, protocol: 'http' }, { port: 7778, protocol: 'udp', name: 'udp-game' }], false);
    const vs = find(out, 'VirtualService', 'gameserver').spec;
    expect(vs.tcp).toBeUndefined();
    expect(vs.http.map((r: any) => r.route[0].destination.port)).toEqual([{ number: 8080 }]);
  });
});
