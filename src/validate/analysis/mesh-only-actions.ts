/**
 * MESH686 (warning): a rule of a VirtualService bound to the mesh alone that redirects, answers directly or rewrites the path,
 * for a host that a VirtualService bound to a Gateway alone routes requests to. Istio applies at a gateway only the
 * VirtualServices bound to it ("the gateways ... that should apply these routes", `gateways`; without it, `mesh` alone), so
 * the requests from outside go to the host's pods by the gateway's rule and never meet the redirect of a retired URL, the
 * direct answer or the rewrite: what the mesh's callers get differs from what the public gets. Write the action in the
 * gateway's routes too (`EdgeGateway.redirect`, `EdgeGateway.respond`, a gateway route's `rewrite`), or bind the
 * VirtualService to the gateway; acknowledge it where only the mesh's callers need it.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#VirtualService-gateways
 */
import { Codes } from '../../core/codes';
import { Finding, finding, Manifest } from '../finding';
import { analyzerFqdn } from '../model/hosts';
import { list } from '../values';
import { AnalysisCheck } from './check';
import { namespaceOf } from './view';

/** What a rule does instead of only forwarding, for the message; undefined for a rule that only forwards. */
function actionOf(rule: any): string | undefined {
  if (rule?.redirect) return `redirects (${rule.redirect.uri ?? rule.redirect.authority ?? rule.redirect.scheme ?? 'to another location'})`;
  if (rule?.directResponse) return `answers ${rule.directResponse.status} itself`;
  if (rule?.rewrite?.uri !== undefined || rule?.rewrite?.uriRegexRewrite) return 'rewrites the path';
  return undefined;
}

export const meshOnlyRouteActions: AnalysisCheck = {
  code: Codes.MESH_ONLY_ROUTE_ACTION,
  title: "a mesh-only rule's redirect, direct answer or rewrite for a host a gateway routes to: the public requests never meet it",
  run(index) {
    // host (FQDN) -> the first gateway-only VirtualService that routes requests to it
    const fromGateways = new Map<string, Manifest>();
    for (const vs of index.ofKind('VirtualService')) {
      const gateways = list(vs.spec?.gateways).map(String);
      if (gateways.length === 0 || gateways.includes('mesh')) continue;
      for (const rule of list(vs.spec?.http)) {
        for (const d of list((rule as any)?.route)) {
          const host = analyzerFqdn(String((d as any)?.destination?.host ?? ''), namespaceOf(vs));
          if (!fromGateways.has(host)) fromGateways.set(host, vs);
        }
      }
    }
    const out: Finding[] = [];
    if (fromGateways.size === 0) return out;
    for (const vs of index.ofKind('VirtualService')) {
      const gateways = list(vs.spec?.gateways).map(String);
      if (gateways.length > 0 && !(gateways.length === 1 && gateways[0] === 'mesh')) continue;
      const hosts = list(vs.spec?.hosts).map((h) => analyzerFqdn(String(h), namespaceOf(vs)));
      const host = hosts.find((h) => fromGateways.has(h));
      if (!host) continue;
      const gw = fromGateways.get(host)!;
      list(vs.spec?.http).forEach((rule: any, i: number) => {
        const action = actionOf(rule);
        if (!action) return;
        out.push(finding(Codes.MESH_ONLY_ROUTE_ACTION, vs, `spec.http[${i}]`,
          `${action} for the mesh's callers of ${host} only: VirtualService ${namespaceOf(gw)}/${gw.metadata?.name}, bound to `
          + `${list(gw.spec?.gateways).join(', ')}, routes the public's requests to it, and a gateway applies only the VirtualServices `
          + 'bound to it, so they never meet this rule; write it in the gateway\'s VirtualService too (an EdgeGateway\'s `redirect()` or '
          + '`respond()`, a gateway route\'s `rewrite`), or '
          + 'acknowledge it where only the mesh needs it',
          'warning'));
      });
    }
    return out;
  },
};
