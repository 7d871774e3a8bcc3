// A service with a UDP port beside its TCP or HTTP ports (a game server's real-time snapshots, a
// DNS or syslog server). Istio's sidecar captures and proxies TCP only ("Non-TCP based protocols,
// such as UDP, are not proxied": https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/),
// so no VirtualService route takes the UDP port; the Service still has it, so every route of the
// host's VirtualService names its destination port (istiod: "must specify port" when the Service
// has several: IST0112, VirtualServiceDestinationPortSelectorRequired, MESH103).
import { MeshCronJob, MeshService, RemoteCaller, RemoteService } from '../../src';
import { Cron } from 'cdk8s';
import { FlowEvaluator } from '../../src/validate';
import { parseFlowSpec } from '../../src/validate/flow/cli-flow';
import { find, meshChart, synth } from '../util';
import { FlowEvaluator as Evaluator, platformFlowOptions, recordedCallFindings } from '../../src/validate';
import { MeshPlatform } from '../../src';

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

// Another team's UDP service (a statsd collector): the caller's record says UDP, and the check of the records, at synth over the
// caller's folder and over both teams' folders, sends it past the sidecars to the callee's NetworkPolicy.
describe('UDP to another team, and from a batch job', () => {
  const statsd = { namespace: 'metrics', ports: [{ port: 8125, protocol: 'udp' as const, name: 'udp-statsd' }] };

  test("a call to a RemoteService's UDP port is recorded as UDP and proven over both folders", () => {
    const { app, chart } = meshChart({ namespace: 'a' });
    new MeshService(chart, 'mm', { image: 'registry.example.com/mm:1.0.0' }).calls(new RemoteService(chart, 'statsd', statsd));
    const caller = synth(app);
    const record = find(caller, 'ConfigMap', 'test-remote-calls');
    expect(record.data['calls.yaml']).toMatch(/description: mm calls metrics\/statsd on 8125\/UDP\n[\s\S]*request:\n\s+protocol: UDP/);
    expect(find(caller, 'NetworkPolicy', 'mm').spec.egress).toContainEqual(expect.objectContaining({ ports: [{ port: 8125, protocol: 'UDP' }] }));

    const { app: theirs, chart: metrics } = meshChart({ namespace: 'metrics' }, 'metrics');
    new MeshService(metrics, 'statsd', { image: 'registry.example.com/statsd:1.0.0', ports: statsd.ports })
      .admits(RemoteCaller.workload({ name: 'mm', namespace: 'a' }), { port: 8125 });
    const callee = synth(theirs);
    const records = (m: Record<string, any>[]) => recordedCallFindings(new Evaluator(m, platformFlowOptions(MeshPlatform.default(), 'a')));
    expect(records([...caller, ...callee])).toEqual([]);
    // the callee that does not admit the caller refuses the datagrams at its NetworkPolicy (MESH604 over both folders)
    const { app: closed, chart: closedChart } = meshChart({ namespace: 'metrics' }, 'metrics');
    new MeshService(closedChart, 'statsd', { image: 'registry.example.com/statsd:1.0.0', ports: statsd.ports });
    const refused = records([...caller, ...synth(closed)]).filter((f) => f.code === 'MESH604');
    expect(refused.map((f) => f.message)).toEqual([expect.stringMatching(/on 8125\/UDP.*NetworkPolicy ingress.*8125\/UDP/)]);
  });

  test("a MeshCronJob's call on a UDP port is a UDP flow, proven at synth", () => {
    const { app, chart } = meshChart();
    const gs = new MeshService(chart, 'gameserver', {
      image: 'registry.example.com/gameserver:7.0.1', ports: [{ port: 7777, protocol: 'tcp', name: 'tcp-game' }, { port: 7778, protocol: 'udp', name: 'udp-game' }],
    });
    const probe = new MeshCronJob(chart, 'udp-probe', { image: 'registry.example.com/probe:1.0.0', schedule: Cron.schedule({ minute: '*/5' }) });
    probe.calls(gs, { port: 7778 });
    expect(chart.intendedFlows().filter((f) => f.constructPath === 'test/udp-probe' && f.port === 7778))
      .toEqual([expect.objectContaining({ protocol: 'UDP', description: 'udp-probe calls gameserver on 7778/UDP' })]);
    expect(find(synth(app), 'NetworkPolicy', 'gameserver').spec.ingress).toContainEqual(expect.objectContaining({ ports: [{ port: 7778, protocol: 'UDP' }] }));
  });
});
