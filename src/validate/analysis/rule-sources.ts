/**
 * Which clients send their requests through which routes. A VirtualService without `gateways`
 * (or naming `mesh`) applies to the sidecars' outbound requests; one naming gateways applies to the
 * requests of those gateways' proxies alone, so a mesh route is used only by clients that are not
 * the ingress gateway.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#VirtualService (gateways: "The reserved word mesh is used to imply all the sidecars in the mesh")
 *
 * An ALLOW rule says who may send: a rule whose every source names only the identities of the
 * gateways' pods (the workloads a Gateway's selector picks) admits no sidecar client, so the callee's
 * mesh route serves none of its methods.
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source
 */
import { AnalysisView } from './view';
import { dict, list } from '../values';

/** `<namespace>/<service account>` of each workload a Gateway with a non-empty selector picks. */
function gatewayIdentitiesOf(index: AnalysisView): ReadonlySet<string> {
  const out = new Set<string>();
  for (const gw of index.ofKind('Gateway')) {
    const selector = dict(gw.spec?.selector);
    // A Gateway with no selector picks every workload: it would make every client a gateway.
    if (Object.keys(selector).length === 0) continue;
    for (const w of index.workloadsMatchingAnywhere(selector)) out.add(`${w.namespace}/${w.serviceAccount}`);
  }
  return out;
}

const memo = new WeakMap<AnalysisView, ReadonlySet<string>>();

/** The identities (`<namespace>/<service account>`) of the gateways' pods, worked out once per view. */
export function gatewayIdentities(index: AnalysisView): ReadonlySet<string> {
  let out = memo.get(index);
  if (!out) memo.set(index, out = gatewayIdentitiesOf(index));
  return out;
}

/**
 * True if an ALLOW rule may admit a request from a sidecar (a client other than the gateways): a rule
 * with no `from`, a source without principals (namespaces, IP blocks: any workload there), a principal
 * that is not of the SPIFFE form `<trust domain>/ns/<namespace>/sa/<service account>` (a wildcard), or
 * one of a workload that no Gateway picks. A source of requests without an mTLS identity alone
 * (`notPrincipals: ["*"]`, the plaintext of clients without a sidecar) admits none: a sidecar client
 * sends Istio mTLS to a pod with a sidecar (auto mTLS), whose principal that source excludes, so
 * such requests never passed a mesh route (a client whose DestinationRule sets `tls.mode: DISABLE` would).
 * @see https://istio.io/latest/docs/tasks/security/authentication/authn-policy/#auto-mutual-tls
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source (notPrincipals)
 */
export function admitsSidecarClients(rule: any, gateways: ReadonlySet<string>): boolean {
  const froms = list(rule?.from);
  if (froms.length === 0) return true;
  return froms.some((f: any) => {
    const principals = list(f?.source?.principals);
    if (principals.length === 0) return !list(f?.source?.notPrincipals).includes('*');
    return principals.some((p: unknown) => {
      const m = /\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(String(p));
      return !m || !gateways.has(`${m[1]}/${m[2]}`);
    });
  });
}
