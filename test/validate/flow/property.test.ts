// Random small meshes: the evaluator (indexes, Service port translation, layer order)
// against a naive reading of the Kubernetes NetworkPolicy and Istio AuthorizationPolicy
// documentation, written here over the raw objects; and the indexed pair analysis
// against an evaluation of every ordered pair.
import * as fc from 'fast-check';
import { FlowEvaluator, workloadPairs } from '../../../src/validate/flow';
import { Manifest } from '../../../src/validate';
import { authorizationPolicy, deployment, networkPolicy, service } from './fixtures';
import { Pod, PODS, policyArbitraries, principalOf } from './mesh-arbitraries';

const labelsOf = (p: Pod) => ({ app: p.name, tier: p.tier });
const { networkPolicies, authorizationPolicies } = policyArbitraries('basic');

type Np = { ns: string; podSelector: Manifest; policyTypes?: string[]; ingress?: Manifest[]; egress?: Manifest[] };
type Ap = { ns: string; action: string; selector?: Manifest; rules?: Manifest[] };

const strip = (o: Manifest) => JSON.parse(JSON.stringify(o));

function manifestsOf(nps: Np[], aps: Ap[]): Manifest[] {
  const out: Manifest[] = [];
  for (const p of PODS) {
    out.push(deployment(p.name, p.ns, { labels: labelsOf(p), ports: { http: 8080, admin: 9090 } }));
    out.push({
      ...service(p.name, p.ns, 80, 'http'),
      spec: {
        selector: { app: p.name },
        ports: [
          { name: 'http', port: 80, targetPort: 'http' },
          { name: 'http-admin', port: 81, targetPort: 9090 },
        ],
      },
    });
  }
  nps.forEach((np, i) =>
    out.push(
      networkPolicy(`np${i}`, np.ns, strip({ podSelector: np.podSelector, policyTypes: np.policyTypes, ingress: np.ingress, egress: np.egress })),
    ),
  );
  aps.forEach((ap, i) => out.push(authorizationPolicy(`ap${i}`, ap.ns, strip({ action: ap.action, selector: ap.selector, rules: ap.rules }))));
  return out;
}

// --- the naive reading ---------------------------------------------------------------
const matchLabels = (sel: Manifest | undefined, labels: Record<string, string>) =>
  Object.entries(sel?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);

/** kubernetes.io network-policies: isolation by selecting policies of the type; additive rules. */
function refNetwork(nps: Np[], dir: 'Ingress' | 'Egress', src: typeof PODS[number], dst: typeof PODS[number], port: number): boolean {
  const pod = dir === 'Ingress' ? dst : src;
  const other = dir === 'Ingress' ? src : dst;
  const types = (np: Np) => np.policyTypes ?? (np.egress && np.egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress']);
  const selecting = nps.filter((np) => np.ns === pod.ns && matchLabels(np.podSelector, labelsOf(pod)) && types(np).includes(dir));
  if (selecting.length === 0) return true;
  return selecting.some((np) => ((dir === 'Ingress' ? np.ingress : np.egress) ?? []).some((rule) => {
    const peers: Manifest[] | undefined = dir === 'Ingress' ? rule.from : rule.to;
    const peerOk = !peers || peers.length === 0 || peers.some((p) => {
      const nsOk = p.namespaceSelector ? matchLabels(p.namespaceSelector, { 'kubernetes.io/metadata.name': other.ns }) : other.ns === np.ns;
      return nsOk && matchLabels(p.podSelector ?? {}, labelsOf(other));
    });
    const portOk = !rule.ports || rule.ports.length === 0 || rule.ports.some((p: Manifest) => p.port === 'http' ? port === 8080
      : p.endPort !== undefined ? port >= p.port && port <= p.endPort : p.port === port);
    return peerOk && portOk;
  }));
}

/** istio.io authorization-policy: DENY first; no ALLOW policy allows; else some ALLOW rule must match. */
function refAuthz(aps: Ap[], src: typeof PODS[number], dst: typeof PODS[number], method: string, path: string): boolean {
  const applies = aps.filter((ap) => ap.ns === dst.ns && (!ap.selector || matchLabels(ap.selector, labelsOf(dst))));
  const ruleMatches = (r: Manifest) =>
    (!r.from ||
      r.from.some(
        (f: Manifest) =>
          (!f.source.principals || f.source.principals.includes(principalOf(src))) && (!f.source.namespaces || f.source.namespaces.includes(src.ns)),
      )) &&
    (!r.to ||
      r.to.some(
        (t: Manifest) =>
          (!t.operation.methods || t.operation.methods.includes(method)) &&
          (!t.operation.paths || t.operation.paths.some((p: string) => (p.endsWith('*') ? path.startsWith(p.slice(0, -1)) : p === path))),
      ));
  if (applies.some((ap) => ap.action === 'DENY' && (ap.rules ?? []).some(ruleMatches))) return false;
  const allows = applies.filter((ap) => ap.action === 'ALLOW');
  return allows.length === 0 || allows.some((ap) => (ap.rules ?? []).some(ruleMatches));
}

describe('random meshes against the documentation read naively', () => {
  test('NetworkPolicy and AuthorizationPolicy verdicts equal the reference for every pair, port and request', () => {
    fc.assert(
      fc.property(
        networkPolicies,
        authorizationPolicies,
        fc.constantFrom('GET', 'POST'),
        fc.constantFrom('/a', '/a/x', '/b'),
        (nps, aps, method, path) => {
          // The reference reads policies between application pods only: no DNS lookups.
          const evaluator = new FlowEvaluator(manifestsOf(nps as Np[], aps as Ap[]), { dns: false });
          for (const src of PODS) {
            for (const dst of PODS) {
              if (src === dst) continue;
              for (const [servicePort, port] of [
                [80, 8080],
                [81, 9090],
              ]) {
                const v = evaluator.evaluate({
                  source: { workload: src.name, namespace: src.ns },
                  host: `${dst.name}.${dst.ns}`,
                  port: servicePort,
                  method: method as 'GET',
                  path,
                });
                const expected =
                  refNetwork(nps as Np[], 'Egress', src, dst, port) &&
                  refNetwork(nps as Np[], 'Ingress', src, dst, port) &&
                  refAuthz(aps as Ap[], src, dst, method, path);
                if (v.allowed !== expected)
                  throw new Error(
                    `${src.name} -> ${dst.name}:${port} ${method} ${path}: evaluator ${v.allowed} (${v.reason}), reference ${expected}`,
                  );
              }
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  test('the indexed pair analysis finds exactly the open pairs an evaluation of every pair finds', () => {
    fc.assert(fc.property(networkPolicies, authorizationPolicies, (nps, aps) => {
      const evaluator = new FlowEvaluator(manifestsOf(nps as Np[], aps as Ap[]));
      const open = (pairs: ReturnType<typeof workloadPairs>) => pairs.filter((p) => p.verdict.open).map((p) => `${p.source}>${p.destination}`).sort();
      expect(open(workloadPairs(evaluator, [], { openOnly: true }))).toEqual(open(workloadPairs(evaluator, [])));
    }), { numRuns: 150 });
  });
});
