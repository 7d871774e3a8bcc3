/**
 * istiod's webhook check of an EnvoyFilter: a port of istio/istio
 * pkg/config/validation/envoyfilter/envoyfilter.go (validateEnvoyFilter, validateListenerMatchName)
 * and pkg/config/xds/deprecated.go (the deprecated filter names). Two parts are not ported:
 * istiod's blanket warning on every EnvoyFilter ("exposes internal implementation details"), which
 * says nothing about the object, and the decoding of each patch value into Envoy's protobuf types
 * (xds.BuildXDSObjectFromStruct), which needs Envoy's descriptors. Istio 1.30 skips the match
 * checks of a patch whose context is WAYPOINT.
 * @see https://istio.io/latest/docs/reference/config/networking/envoy-filter/
 */
import { Codes } from '../../core/codes';
import { goRegexpProblem } from '../../core/re2';
import { Manifest } from '../finding';
import { alphaWorkloadSelector } from './names';
import type { Report, WebhookScope } from './report';
import { isSet, list, obj, str } from '../values';

/** The deprecated names istiod warns about, with the canonical ones (pkg/config/xds/deprecated.go, DeprecatedFilterNames). */
const DEPRECATED_FILTER_NAMES: Record<string, string> = {
  'envoy.buffer': 'envoy.filters.http.buffer', 'envoy.cors': 'envoy.filters.http.cors', 'envoy.csrf': 'envoy.filters.http.csrf',
  'envoy.http_dynamo_filter': 'envoy.filters.http.dynamo', 'envoy.fault': 'envoy.filters.http.fault',
  'envoy.grpc_http1_bridge': 'envoy.filters.http.grpc_http1_bridge', 'envoy.grpc_json_transcoder': 'envoy.filters.http.grpc_json_transcoder',
  'envoy.grpc_web': 'envoy.filters.http.grpc_web', 'envoy.gzip': 'envoy.filters.http.gzip', 'envoy.health_check': 'envoy.filters.http.health_check',
  'envoy.ip_tagging': 'envoy.filters.http.ip_tagging', 'envoy.lua': 'envoy.filters.http.lua', 'envoy.rate_limit': 'envoy.filters.http.ratelimit',
  'envoy.router': 'envoy.filters.http.router', 'envoy.squash': 'envoy.filters.http.squash',
  'envoy.listener.http_inspector': 'envoy.filters.listener.http_inspector', 'envoy.listener.original_dst': 'envoy.filters.listener.original_dst',
  'envoy.listener.original_src': 'envoy.filters.listener.original_src', 'envoy.listener.proxy_protocol': 'envoy.filters.listener.proxy_protocol',
  'envoy.listener.tls_inspector': 'envoy.filters.listener.tls_inspector', 'envoy.client_ssl_auth': 'envoy.filters.network.client_ssl_auth',
  'envoy.ext_authz': 'envoy.filters.network.ext_authz', 'envoy.http_connection_manager': 'envoy.filters.network.http_connection_manager',
  'envoy.mongo_proxy': 'envoy.filters.network.mongo_proxy', 'envoy.ratelimit': 'envoy.filters.network.ratelimit',
  'envoy.redis_proxy': 'envoy.filters.network.redis_proxy', 'envoy.tcp_proxy': 'envoy.filters.network.tcp_proxy',
};

const LISTENER_CLASS = new Set(['LISTENER', 'FILTER_CHAIN', 'NETWORK_FILTER', 'HTTP_FILTER']);
const ROUTE_CLASS = new Set(['ROUTE_CONFIGURATION', 'VIRTUAL_HOST', 'HTTP_ROUTE']);

function deprecatedName(name: string, field: string, report: Report): void {
  const canonical = DEPRECATED_FILTER_NAMES[name];
  if (canonical) report(Codes.WEBHOOK_WARNING, field,
    `using deprecated filter name ${JSON.stringify(name)}; use ${JSON.stringify(canonical)} instead`, 'warning');
}

/** The listener match of a listener-class patch: a filter match needs a name; a sub-filter only for HTTP_FILTER under the HCM. */
function listenerMatch(applyTo: string, match: Record<string, any>, at: string, report: Report): void {
  const fail = (field: string, message: string) => report(Codes.ENVOY_FILTER_REJECTED, field, message);
  const listener = obj(match.listener);
  if (!listener) { fail(at, 'Envoy filter: applyTo for listener class objects cannot have non listener match'); return; }
  const filter = obj(obj(listener.filterChain)?.filter);
  if (!filter) return;
  const fat = `${at}.listener.filterChain.filter`;
  if (applyTo === 'LISTENER' || applyTo === 'FILTER_CHAIN') report(Codes.WEBHOOK_WARNING, fat,
    `Envoy filter: filter match has no effect when used with ${applyTo}`, 'warning');
  if (str(filter.name) === '') { fail(`${fat}.name`, 'Envoy filter: filter match has no name to match on'); return; }
  const sub = obj(filter.subFilter);
  if (sub) {
    if (applyTo !== 'HTTP_FILTER') { fail(`${fat}.subFilter`, 'Envoy filter: subfilter match can be used with applyTo HTTP_FILTER only'); return; }
    if (!['envoy.filters.network.http_connection_manager', 'envoy.http_connection_manager'].includes(str(filter.name))) {
      fail(`${fat}.subFilter`, 'Envoy filter: subfilter match requires filter match with envoy.filters.network.http_connection_manager');
      return;
    }
    if (str(sub.name) === '') { fail(`${fat}.subFilter.name`, 'Envoy filter: subfilter match has no name to match on'); return; }
  }
  deprecatedName(str(filter.name), `${fat}.name`, report);
  deprecatedName(str(sub?.name), `${fat}.subFilter.name`, report);
}

/** One config patch: applyTo, a patch with an operation and (but for REMOVE) a value, a proxy version regex, a match that fits. */
function configPatch(raw: unknown, at: string, report: Report, scope: WebhookScope): void {
  const fail = (field: string, message: string) => report(Codes.ENVOY_FILTER_REJECTED, field, message);
  const cp = obj(raw);
  if (!cp) { fail(at, 'Envoy filter: null config patch'); return; }
  const applyTo = str(cp.applyTo);
  if (applyTo === '' || applyTo === 'INVALID') { fail(`${at}.applyTo`, 'Envoy filter: missing applyTo'); return; }
  const patch = obj(cp.patch);
  if (!patch) { fail(`${at}.patch`, 'Envoy filter: missing patch'); return; }
  const operation = str(patch.operation);
  if (operation === '' || operation === 'INVALID') { fail(`${at}.patch.operation`, 'Envoy filter: missing patch operation'); return; }
  if (operation !== 'REMOVE' && !isSet(patch.value)) {
    fail(`${at}.patch.value`,
      'Envoy filter: missing patch value for non-remove operation'); return;
  }
  const match = obj(cp.match);
  if (scope.version !== '1.24' && match?.context === 'WAYPOINT') return;
  const version = str(obj(match?.proxy)?.proxyVersion);
  if (version !== '') {
    const problem = goRegexpProblem(version);
    if (problem) { fail(`${at}.match.proxy.proxyVersion`, `Envoy filter: invalid regex for proxy version, [${problem}]`); return; }
  }
  // The match applies to one class of objects (objectTypes: listener, routeConfiguration or cluster).
  if (!match || !(isSet(match.listener) || isSet(match.routeConfiguration) || isSet(match.cluster))) return;
  if (LISTENER_CLASS.has(applyTo)) listenerMatch(applyTo, match, `${at}.match`, report);
  else if (ROUTE_CLASS.has(applyTo) && !isSet(match.routeConfiguration)) fail(`${at}.match`,
    'Envoy filter: applyTo for http route class objects cannot have non route configuration match');
  else if (applyTo === 'CLUSTER' && !isSet(match.cluster)) fail(`${at}.match`,
    'Envoy filter: applyTo for cluster class objects cannot have non cluster match');
}

/** ValidateEnvoyFilter. */
export function envoyFilter(ef: Manifest, report: Report, scope: WebhookScope): void {
  const spec = obj(ef.spec) ?? {};
  const selector = alphaWorkloadSelector(spec.workloadSelector);
  if (selector.errors.length > 0) { for (const e of selector.errors) report(Codes.INVALID_SELECTOR, 'spec.workloadSelector', e); return; }
  if (selector.noLabels) report(Codes.WEBHOOK_WARNING, 'spec.workloadSelector',
    'Envoy filter: workload selector specified without labels, will be applied to all services in namespace', 'warning');
  list(spec.configPatches).forEach((cp, i) => configPatch(cp, `spec.configPatches[${i}]`, report, scope));
}
