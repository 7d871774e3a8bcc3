// The evaluator works answers out once per run (per pod, per pair of pods and port, per
// policy) and keeps them for the next flows. These properties prove that keeping them changes
// no verdict: over random meshes of every layer the evaluator reads, a run of many flows (any
// order, any source, port, method and path) gives each flow the verdict, reason, decider and
// hops that an evaluator built for that flow alone gives; and the open pairs no flow declares
// are those a full pair listing of a fresh evaluator finds.
import * as fc from 'fast-check';
import { FlowEvaluator, IntendedFlow, undeclaredOpenPairs, workloadPairs } from '../../../src/validate/flow';
import { Manifest } from '../../../src/validate';
import {
  authorizationPolicy, deployment, DNS_EGRESS, networkPolicy, peerAuthentication, service, sidecar, virtualService, destinationRule,
} from './fixtures';
import { NAMESPACES, PODS, policyArbitraries } from './mesh-arbitraries';

const METHODS = ['GET', 'POST', 'DELETE'] as const;
const PATHS = ['/a', '/a/x', '/b'];
const { networkPolicies, authorizationPolicies } = policyArbitraries('full');

const peerAuthentications = fc.array(fc.record({
  ns: fc.constantFrom(...NAMESPACES, 'istio-system'),
  selector: fc.option(fc.constantFrom(...PODS.map((p) => ({ matchLabels: { app: p.name } }))), { nil: undefined }),
  mode: fc.constantFrom('STRICT', 'PERMISSIVE', 'DISABLE'),
  portMode: fc.option(fc.constantFrom('STRICT', 'PERMISSIVE', 'DISABLE'), { nil: undefined }),
}), { minLength: 1, maxLength: 3 });

const sidecars = fc.array(fc.record({
  ns: fc.constantFrom(...NAMESPACES),
  selector: fc.option(fc.constantFrom(...PODS.map((p) => ({ labels: { app: p.name } }))), { nil: undefined }),
  hosts: fc.subarray([...PODS.map((p) => `${p.ns}/${p.name}.${p.ns}.svc.cluster.local`), './*', 'istio-system/*'], { minLength: 1 }),
  registryOnly: fc.boolean(),
}), { maxLength: 2 });

/** Per destination service: a VirtualService sending POSTs to subset v2, and a DestinationRule defining (or not) the subsets. */
const routes = fc.array(fc.record({ pod: fc.constantFrom(...PODS), subsets: fc.boolean(), tls: fc.constantFrom(undefined, 'ISTIO_MUTUAL', 'DISABLE') }),
  { maxLength: 2 });

interface Mesh {
  nps: { ns: string; podSelector: Manifest; policyTypes?: string[]; ingress?: Manifest[]; egress?: Manifest[]; dns: boolean }[];
  aps: { ns: string; action: string; selector?: Manifest; rules?: Manifest[] }[];
  pas: { ns: string; selector?: Manifest; mode: string; portMode?: string }[];
  scs: { ns: string; selector?: Manifest; hosts: string[]; registryOnly: boolean }[];
  vss: { pod: typeof PODS[number]; subsets: boolean; tls?: string }[];
  injected: boolean[];
}

const mesh = fc.record({
  nps: networkPolicies, aps: authorizationPolicies, pas: peerAuthentications, scs: sidecars, vss: routes,
  injected: fc.array(fc.boolean(), { minLength: PODS.length, maxLength: PODS.length }),
}) as fc.Arbitrary<Mesh>;

const strip = (o: Manifest) => JSON.parse(JSON.stringify(o));

function manifestsOf(m: Mesh): Manifest[] {
  const out: Manifest[] = [];
  PODS.forEach((p, i) => {
    const labels = { tier: p.tier, version: i % 2 === 0 ? 'v1' : 'v2' };
    out.push(deployment(p.name, p.ns, { labels, ports: { http: 8080, admin: 9090 }, inject: m.injected[i] }));
    out.push({
      ...service(p.name, p.ns),
      spec: { selector: { app: p.name }, ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'http-admin', port: 81, targetPort: 9090 }] },
    });
  });
  m.nps.forEach((np, i) => out.push(networkPolicy(`np${i}`, np.ns, strip({
    podSelector: np.podSelector,
    policyTypes: np.policyTypes,
    ingress: np.ingress,
    egress: np.egress && [...np.egress, ...(np.dns ? [DNS_EGRESS] : [])],
  }))));
  m.aps.forEach((ap, i) => out.push(authorizationPolicy(`ap${i}`, ap.ns, strip({ action: ap.action, selector: ap.selector, rules: ap.rules }))));
  m.pas.forEach((pa, i) => out.push(peerAuthentication(`pa${i}`, pa.ns, strip({
    selector: pa.selector, mtls: { mode: pa.mode }, portLevelMtls: pa.selector && pa.portMode ? { 8080: { mode: pa.portMode } } : undefined,
  }))));
  m.scs.forEach((sc, i) => out.push(sidecar(`sc${i}`, sc.ns, strip({
    workloadSelector: sc.selector, egress: [{ hosts: sc.hosts }], outboundTrafficPolicy: { mode: sc.registryOnly ? 'REGISTRY_ONLY' : 'ALLOW_ANY' },
  }))));
  m.vss.forEach((vs, i) => {
    const host = `${vs.pod.name}.${vs.pod.ns}.svc.cluster.local`;
    out.push(virtualService(`vs${i}`, vs.pod.ns, { hosts: [host], http: [
      { match: [{ method: { exact: 'POST' } }], route: [{ destination: { host, subset: 'v2' } }] },
      { route: [{ destination: { host, subset: 'v1' }, weight: 50 }, { destination: { host }, weight: 50 }] },
    ] }));
    out.push(destinationRule(`dr${i}`, vs.pod.ns, strip({
      host,
      subsets: vs.subsets ? [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] : undefined,
      trafficPolicy: vs.tls ? { tls: { mode: vs.tls } } : undefined,
    })));
  });
  return out;
}

const flow = fc.record({
  from: fc.constantFrom(...PODS),
  to: fc.constantFrom(...PODS),
  port: fc.constantFrom(80, 81, 15090, 15020),
  method: fc.constantFrom(...METHODS),
  path: fc.constantFrom(...PATHS),
});
const OPTIONS = {
  platform: [{ name: 'istiod', namespace: 'istio-system', labels: { app: 'istiod' }, serviceAccount: 'istiod', meshed: false, ports: { xds: 15012 } }],
  controlPlane: { workload: { name: 'istiod', namespace: 'istio-system', labels: { app: 'istiod' }, serviceAccount: 'istiod', meshed: false }, port: 15012 },
};

describe('answers kept for the run change no verdict', () => {
  test('each flow of a run gets the verdict an evaluator of its own gives it', () => {
    fc.assert(
      fc.property(mesh, fc.array(flow, { minLength: 8, maxLength: 40 }), (m, flows) => {
        const manifests = manifestsOf(m);
        const shared = new FlowEvaluator(manifests, OPTIONS);
        for (const f of flows) {
          const request = { source: { workload: f.from.name, namespace: f.from.ns }, host: `${f.to.name}.${f.to.ns}`, port: f.port, method: f.method,
            path: f.path };
          expect(shared.evaluate(request)).toEqual(new FlowEvaluator(manifests, OPTIONS).evaluate(request));
        }
      }),
      { numRuns: 400 },
    );
  });

  test('the open pairs no flow declares are those a listing of every pair by a fresh evaluator finds', () => {
    fc.assert(
      fc.property(mesh, fc.array(flow, { maxLength: 6 }), (m, flows) => {
        const manifests = manifestsOf(m);
        const intended: IntendedFlow[] = flows.map((f) => ({
          description: `${f.from.name} -> ${f.to.name}`, expect: 'allow', constructPath: 'test', source: { workload: f.from.name, namespace: f.from.ns },
          host: `${f.to.name}.${f.to.ns}`, port: f.port, method: f.method, path: f.path,
        }));
        const fresh = new FlowEvaluator(manifests, OPTIONS);
        const expected = workloadPairs(fresh, intended).filter((p) => !p.declared && p.verdict.open).map((p) => `${p.source}>${p.destination}`);
        const shared = new FlowEvaluator(manifests, OPTIONS);
        for (const f of intended) shared.evaluate(f);
        const found = undeclaredOpenPairs(shared, intended).map((f) => f.message.split(' can reach ')).map(([a, b]) => `${a}>${b.split(' on port ')[0]}`);
        expect(found.sort()).toEqual(expected.sort());
      }),
      { numRuns: 200 },
    );
  });
});
