// A sidecar is ready only once it has its configuration from istiod on 15012
// (istio/istio pilot/cmd/pilot-agent/status/ready/probe.go checkConfigStatus: "config not received from XDS
// server"); the proxy's own connection is not captured by its iptables rules
// (tools/istio-iptables/pkg/capture/run.go: --uid-owner <proxy> -j RETURN), so only NetworkPolicy decides it.
// https://istio.io/latest/docs/ops/deployment/application-requirements/#ports-used-by-istio
import { ApiObject, JsonPatch } from 'cdk8s';
import { evaluateFlow, FlowEvaluator, FlowOptions, platformFlowOptions } from '../../../src/validate';
import { unreadySidecars } from '../../../src/validate/flow/check';
import { MeshPlatform, MeshService } from '../../../src';
import { handWrittenCronJob, meshChart, synthError } from '../../util';
import { app, call, DNS_EGRESS, networkPolicy, sidecar } from './fixtures';

const ISTIOD = MeshPlatform.default().istiodWorkload();
const withControlPlane: FlowOptions = { controlPlane: { workload: ISTIOD, port: 15012 } };
const toIstiod = { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } }, podSelector: { matchLabels: { app: 'istiod' } } }], ports: [{ port: 15012 }] };
const toB = { to: [{ podSelector: { matchLabels: { app: 'b' } } }] };
const egressOfA = (rules: object[]) => networkPolicy('a', 'shop', { podSelector: { matchLabels: { app: 'a' } }, policyTypes: ['Egress'], egress: rules });
const base = [...app('a', 'shop'), ...app('b', 'shop'), ...app('legacy', 'shop', { inject: false })];

describe('a pod that cannot reach istiod on 15012 is never ready', () => {
  test('no flow from it holds, decided by the NetworkPolicy that keeps it from istiod', () => {
    const v = evaluateFlow([...base, egressOfA([DNS_EGRESS, toB])], call('a', 'shop', 'b'), withControlPlane);
    expect(v).toMatchObject({ allowed: false, decidedBy: { layer: 'NetworkPolicy egress', kind: 'NetworkPolicy', namespace: 'shop', name: 'a' } });
    expect(v.reason).toMatch(/shop\/a's sidecar never becomes ready: NetworkPolicy shop\/a lets no egress out of a to istiod \(istio-system\/istiod\) on 15012/);
    expect(evaluateFlow([...base, egressOfA([DNS_EGRESS, toB, toIstiod])], call('a', 'shop', 'b'), withControlPlane).allowed).toBe(true);
  });

  test('no flow to it holds either: it is not among its Service\'s endpoints', () => {
    const v = evaluateFlow([...base, egressOfA([DNS_EGRESS])], call('b', 'shop', 'a'), withControlPlane);
    expect(v).toMatchObject({ allowed: false, decidedBy: { name: 'a' } });
    expect(v.reason).toContain('no flow from or to it holds');
  });

  test('istiod\'s own namespace may refuse it too; a pod without a sidecar and an unchecked evaluation are not judged', () => {
    const istiodIngress = networkPolicy('istiod', 'istio-system', { podSelector: { matchLabels: { app: 'istiod' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'other' } } }] }] });
    expect(evaluateFlow([...base, istiodIngress], call('a', 'shop', 'b'), withControlPlane).decidedBy).toMatchObject({ layer: 'NetworkPolicy ingress', namespace: 'istio-system' });
    const legacyOnly = networkPolicy('legacy', 'shop', { podSelector: { matchLabels: { app: 'legacy' } }, policyTypes: ['Egress'], egress: [DNS_EGRESS, toB] });
    expect(evaluateFlow([...base, legacyOnly], call('legacy', 'shop', 'b'), withControlPlane).allowed).toBe(true);
    expect(evaluateFlow([...base, egressOfA([DNS_EGRESS, toB])], call('a', 'shop', 'b')).allowed).toBe(true);
  });

  test('the proxy\'s own connection to istiod is judged by NetworkPolicy only, not the Sidecar', () => {
    // GIVEN a Sidecar that imports nothing (REGISTRY_ONLY)
    const none = sidecar('a', 'shop', { workloadSelector: { labels: { app: 'a' } }, egress: [{ hosts: ['~/*'] }], outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } });
    const xds = { source: { workload: 'a', namespace: 'shop' }, host: 'istiod.istio-system.svc', port: 15012, target: ISTIOD };
    expect(evaluateFlow([...base, none, egressOfA([DNS_EGRESS, toIstiod])], xds, { ...withControlPlane, platform: [ISTIOD] }).allowed).toBe(true);
    expect(evaluateFlow([...base, none, egressOfA([DNS_EGRESS])], xds, { ...withControlPlane, platform: [ISTIOD] }).decidedBy?.layer).toBe('NetworkPolicy egress');
  });
});

test('a MeshService whose NetworkPolicy loses its istiod egress fails synth: flows from and to it are refused, naming the NetworkPolicy (MESH600)', () => {
  // GIVEN two services, the callee's egress to istiod removed by a patch (the last egress rule)
  const { app: meshApp, chart } = meshChart();
  const api = new MeshService(chart, 'api-gateway', { image: 'api:1' });
  const order = new MeshService(chart, 'order-service', { image: 'order:1' });
  api.calls(order, { methods: ['GET'], paths: ['/api/orders/*'] });
  const np = order.node.findAll().find((c) => c.node.id === 'NetworkPolicy')!;
  ApiObject.of(np).addJsonPatch(JsonPatch.remove('/spec/egress/1'));
  // THEN the call to it is refused, and the reason names the NetworkPolicy and istiod
  const error = synthError(meshApp);
  expect(error).toMatch(/api-gateway calls order-service GET \/api\/orders\/x: refused by NetworkPolicy production\/order-service \(NetworkPolicy egress\): production\/order-service's sidecar never becomes ready.*on 15012.*\[MESH600\]/);
  expect(error).toMatch(/Prometheus scrapes order-service on 15090: refused .*never becomes ready/);
  // AND platformFlowOptions is what synth judges with
  expect(platformFlowOptions(chart.platform, 'production').controlPlane).toEqual({ workload: ISTIOD, port: 15012 });
});

describe('MESH609: a meshed workload no flow names is judged too', () => {
  test("a hand-written CronJob under the namespace's deny-all fails synth on its own path; unmeshed it synthesizes", () => {
    const build = (inject?: 'false') => {
      const { app: a, chart } = meshChart();
      handWrittenCronJob(chart, { labels: inject ? { 'sidecar.istio.io/inject': inject } : {} });
      return a;
    };
    expect(synthError(build())).toMatch(new RegExp('\\[test/nightly\\] test/CronJob/nightly: spec\\.jobTemplate\\.spec\\.template: production/nightly\'s sidecar '
      + 'never becomes ready: NetworkPolicy production/default-deny lets no egress out of nightly to istiod .*on 15012.*\\[MESH609\\]'));
    expect(() => build('false').synth()).not.toThrow();
  });
});

test('MESH609 only where injection is certain: a namespace labelled for it, or a template asking for a sidecar', () => {
  const ns = (labels: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels } });
  const denyAll = networkPolicy('deny-all', 'shop', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  const files = [...app('a', 'shop'), denyAll];
  const found = (manifests: any[]) => unreadySidecars(new FlowEvaluator(manifests, platformFlowOptions(MeshPlatform.default(), 'shop')))
    .map((f) => `${f.code} ${f.resource.kind}/${f.resource.name} ${f.field}`);
  // A folder without its Namespace: the pods may run no sidecar, so nothing is claimed.
  expect(found(files)).toEqual([]);
  expect(found([...files, ns({ 'istio-injection': 'disabled' })])).toEqual([]);
  // Labelled for injection (as a MeshChart's Namespace is), or a revision's label: the sidecar waits for istiod in vain.
  expect(found([...files, ns({ 'istio-injection': 'enabled' })])).toEqual(['MESH609 Deployment/a spec.template']);
  expect(found([...files, ns({ 'istio.io/rev': 'stable' })])).toEqual(['MESH609 Deployment/a spec.template']);
});
