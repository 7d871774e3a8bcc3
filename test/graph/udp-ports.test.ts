// A service with a UDP port beside its TCP or HTTP ports (a game server's real-time snapshots, a
// DNS or syslog server). Istio's sidecar captures and proxies TCP only ("Non-TCP based protocols,
// such as UDP, are not proxied": https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/),
// so no VirtualService route takes the UDP port; the Service still has it, so every route of the
// host's VirtualService names its destination port (istiod: "must specify port" when the Service
// has several: IST0112, VirtualServiceDestinationPortSelectorRequired, MESH103).
import { MeshService } from '../../src';
import { FlowEvaluator } from '../../src/validate';
import { parseFlowSpec } from '../../src/validate/flow/cli-flow';
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

// A call on a UDP port: kube-proxy sends the datagrams to a pod of the Service and no sidecar captures them, so the
// NetworkPolicies at both ends (on the container port over UDP) are all that admits or refuses them.
describe('a declared call on a UDP port', () => {
  const udpCall = (declared = true) => {
    const { app, chart } = meshChart();
    const gs = new MeshService(chart, 'gameserver', {
      image: 'registry.example.com/gameserver:7.0.1', stateful: {},
      ports: [{ port: 7777, protocol: 'tcp', name: 'tcp-game' }, { port: 7778, protocol: 'udp', name: 'udp-game' }],
    });
    const relay = new MeshService(chart, 'relay', { image: 'registry.example.com/relay:1.0.0' });
    relay.calls(gs, { port: declared ? 7778 : 7777 });
    const out = synth(app);
    const evaluator = new FlowEvaluator(out, {
      trustDomain: chart.platform.trustDomain, rootNamespace: chart.platform.istio.rootNamespace, platform: chart.platform.workloads(chart.namespace),
    });
    return { out, evaluator, gs };
  };

  test('synthesizes: its intended flows are UDP, proven by the NetworkPolicies at both ends over UDP', () => {
    const { out, gs } = udpCall();
    expect(gs.node.path).toBe('test/gameserver');
    expect(find(out, 'NetworkPolicy', 'relay').spec.egress).toContainEqual({
      ports: [{ port: 7778, protocol: 'UDP' }], to: [{ podSelector: { matchLabels: { app: 'gameserver' } } }],
    });
    expect(find(out, 'NetworkPolicy', 'gameserver').spec.ingress).toContainEqual({
      from: [{ podSelector: { matchLabels: { app: 'relay' } } }], ports: [{ port: 7778, protocol: 'UDP' }],
    });
  });

  test('the flow evaluator sends UDP past the sidecars: the NetworkPolicies decide, on the container port over UDP', () => {
    const { evaluator } = udpCall();
    const source = { workload: 'relay', namespace: 'production' };
    const toService = evaluator.evaluate({ source, host: 'gameserver', port: 7778 });
    expect(toService).toMatchObject({ allowed: true, decidedBy: { layer: 'NetworkPolicy ingress', kind: 'NetworkPolicy', name: 'gameserver' } });
    expect(toService.reason).toMatch(/^UDP is not proxied by Istio: no mTLS or authorization applies/);
    expect(toService.hops).toContain('gameserver.production:7778/UDP: UDP, which no sidecar captures (no route, mTLS or authorization applies)');
    const toPod = evaluator.evaluate({ source, host: 'gameserver-0.gameserver-headless.production.svc.cluster.local', port: 7778, protocol: 'UDP' });
    expect(toPod).toMatchObject({ allowed: true, decidedBy: { layer: 'NetworkPolicy ingress' } });
    // The same port over TCP is no port of the Service.
    expect(evaluator.evaluate({ source, host: 'gameserver', port: 7778, protocol: 'TCP' })).toMatchObject({
      allowed: false, decidedBy: { layer: 'routing', kind: 'Service', name: 'gameserver' },
      reason: 'Service production/gameserver has no TCP port 7778 (its port 7778 is UDP)',
    });
    // No gateway carries UDP.
    expect(evaluator.evaluate({ source: { external: true }, host: 'play.example.com', port: 7778, protocol: 'UDP' })).toMatchObject({
      allowed: false, decidedBy: { layer: 'routing', kind: 'Gateway' }, reason: expect.stringMatching(/^an Istio gateway proxies no UDP/),
    });
  });

  test('undeclared, UDP is refused by the NetworkPolicies, whatever the ALLOW rules say of TCP', () => {
    const { evaluator } = udpCall(false);
    const source = { workload: 'relay', namespace: 'production' };
    expect(evaluator.evaluate({ source, host: 'gameserver', port: 7777 })).toMatchObject({ allowed: true });
    const verdict = evaluator.evaluate({ source, host: 'gameserver', port: 7778 });
    expect(verdict).toMatchObject({ allowed: false, decidedBy: { layer: 'NetworkPolicy egress', name: 'relay' } });
    expect(verdict.reason).toMatch(/7778\/UDP/);
  });

  test('`--flow` takes udp, without a method or path', () => {
    const { evaluator } = udpCall();
    expect(parseFlowSpec('production/relay -> gameserver:7778 udp', evaluator)).toMatchObject({ host: 'gameserver', port: 7778, protocol: 'UDP' });
    expect(() => parseFlowSpec('production/relay -> gameserver:7778 udp GET /', evaluator)).toThrow(/a UDP connection has no method or path \[MESH603\]/);
  });
});
