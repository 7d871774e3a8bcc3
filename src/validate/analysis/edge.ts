/**
 * Checks of what the edge gateway does to the requests it admits: its EnvoyFilters.
 */
import { Codes } from '../../core/codes';
import { Finding, finding, Manifest } from '../finding';
import { AnalysisCheck } from './check';
import { list } from '../values';

/**
 * MESH652 (warning): a `rate_limits` action of a gateway's EnvoyFilter (context GATEWAY) that
 * takes a descriptor from a request header (`request_headers`). The gateway is where requests
 * from outside enter: it cannot tell a header something in front of it set from one the client
 * sent, so a client chooses its own key (a fresh "user" per request escapes a per-user limit).
 * A claim of a token the gateway validated (the `metadata` action on jwt_authn's payload) cannot be forged.
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-ratelimit-action-requestheaders
 */
export const rateLimitKeyedByClientHeader: AnalysisCheck = {
  code: Codes.RATE_LIMIT_KEY_CLIENT_HEADER,
  title: 'a gateway rate limit keyed by a header the client sends',
  run(index) {
    const out: Finding[] = [];
    for (const ef of index.ofKind('EnvoyFilter')) {
      list(ef.spec?.configPatches).forEach((p: Manifest, i: number) => {
        if (p?.match?.context !== 'GATEWAY') return;
        const limits: Manifest[] = list(p?.patch?.value?.route?.rate_limits);
        limits.forEach((l, j) => list(l?.actions).forEach((a: Manifest, k: number) => {
          const header = a?.request_headers?.header_name;
          if (header === undefined) return;
          const field = `spec.configPatches[${i}].patch.value.route.rate_limits[${j}].actions[${k}].request_headers`;
          out.push(finding(Codes.RATE_LIMIT_KEY_CLIENT_HEADER, ef, field,
            `the gateway takes the rate-limit key ${a.request_headers.descriptor_key ?? header} from the request header ${header}, `
            + 'which a client can send itself; '
            + 'key by a claim of a token the gateway validates, or acknowledge that something in front of the gateway sets it', 'warning'));
        }));
      });
    }
    return out;
  },
};

/** The edge checks. */
export const EDGE_CHECKS: readonly AnalysisCheck[] = [rateLimitKeyedByClientHeader];
