/**
 * istiod's validating webhook for networking.istio.io kinds: the checks the CRD schema and
 * its CEL rules do not make. Ports of istio/istio pkg/config/validation/validation.go,
 * virtualservice.go and agent/validation.go (ValidateHTTPRetry).
 */
import { Codes } from '../../core/codes';
import { Finding, finding, Manifest } from '../finding';
import type { Report } from './report';
import { httpRouteDetails } from './http-route';
import { sidecarIngressListener } from './sidecar-ingress';
import { connectionPool, trafficPolicy } from './traffic-policy';


/** Retry conditions Envoy and Istio know (agent/validation.go, supportedRetryOnPolicies), besides HTTP status codes. */
const RETRY_ON = new Set([
  '5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'envoy-ratelimited', 'retriable-4xx',
  'refused-stream', 'retriable-status-codes', 'retriable-headers', 'http3-post-connect-failure',
  'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
]);

/** gRPC status names (https://github.com/grpc/grpc/blob/master/doc/statuscodes.md; pkg/util/grpc SupportedGRPCStatus). */
const GRPC_STATUS = new Set([
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE',
  'DATA_LOSS', 'UNAUTHENTICATED',
]);

/** HTTP status codes Go's net/http names (StatusText is not empty), which retryOn accepts. */
function isKnownHttpStatus(text: string): boolean {
  if (!/^\d{3}$/.test(text)) return false;
  const n = Number(text);
  return (n >= 100 && n <= 103) || (n >= 200 && n <= 208) || n === 226 || (n >= 300 && n <= 308 && n !== 306)
    || (n >= 400 && n <= 418) || (n >= 421 && n <= 426) || n === 428 || n === 429 || n === 431 || n === 451
    || (n >= 500 && n <= 508) || n === 510 || n === 511;
}

/** A Percent is 0, or between 0.0001 and 100 (validation.go, validatePercentage). */
function percentageProblem(p: any): string | undefined {
  if (p === undefined || p === null) return undefined;
  const v = Number(p?.value ?? 0);
  if (v < 0 || v > 100 || (v > 0 && v < 0.0001)) return `percentage ${v} is neither 0 nor in the range 0.0001-100`;
  return undefined;
}

/** One HTTP route of a VirtualService (virtualservice.go, validateHTTPRoute; conflicts, fault, mirror, retries). */
function httpRoute(r: any, at: string, delegate: boolean, report: Report): void {
  const has = (k: string) => r?.[k] !== undefined && r?.[k] !== null;
  const routes = Array.isArray(r?.route) ? r.route : [];
  // validateHTTPRouteConflict: a root route with a delegate takes nothing else.
  if (has('delegate')) {
    if (delegate) report(Codes.VIRTUAL_SERVICE_REJECTED, `${at}.delegate`, 'a delegate VirtualService cannot delegate again');
    if (has('redirect')) report(Codes.VIRTUAL_SERVICE_REJECTED, `${at}.redirect`, 'a route with delegate must not set redirect');
    if (has('route')) report(Codes.VIRTUAL_SERVICE_REJECTED, `${at}.route`, 'a route with delegate must not set route');
  } else if (has('redirect')) {
    for (const k of ['fault', 'rewrite', 'directResponse']) if (has(k)) report(Codes.VIRTUAL_SERVICE_REJECTED, `${at}.${k}`, `a route cannot set both redirect and ${k}`);
    if (routes.length > 0) report(Codes.VIRTUAL_SERVICE_REJECTED, `${at}.route`, 'a route cannot set both route and redirect');
  } else if (has('directResponse')) {
    for (const k of ['fault', 'rewrite']) if (has(k)) report(Codes.VIRTUAL_SERVICE_REJECTED, `${at}.${k}`, `a route cannot set both directResponse and ${k}`);
    if (routes.length > 0) report(Codes.VIRTUAL_SERVICE_REJECTED, `${at}.route`, 'a route cannot set both route and directResponse');
  } else if (routes.length === 0) {
    report(Codes.VIRTUAL_SERVICE_REJECTED, at, 'an HTTP route needs route, redirect or directResponse');
  }
  if (has('mirror') && Array.isArray(r.mirrors) && r.mirrors.length > 0) report(Codes.VIRTUAL_SERVICE_REJECTED, `${at}.mirrors`, 'a route cannot set both mirror and mirrors');
  const mirror = r?.mirrorPercentage?.value;
  if (mirror !== undefined && (Number(mirror) > 100 || Number(mirror) < 0)) report(Codes.VIRTUAL_SERVICE_REJECTED, `${at}.mirrorPercentage.value`, `mirrorPercentage ${mirror} is not in 0-100`);

  // validateHTTPFaultInjection
  const fault = r?.fault;
  if (fault) {
    if (!fault.abort && !fault.delay) report(Codes.FAULT_OUT_OF_RANGE, `${at}.fault`, 'fault injection needs an abort and/or a delay');
    for (const kind of ['abort', 'delay'] as const) {
      const problem = fault[kind] ? percentageProblem(fault[kind].percentage) : undefined;
      if (problem) report(Codes.FAULT_OUT_OF_RANGE, `${at}.fault.${kind}.percentage.value`, problem);
    }
    const abort = fault.abort;
    if (abort) {
      if (abort.httpStatus !== undefined) {
        const s = Number(abort.httpStatus);
        if (s < 200 || s > 600) report(Codes.FAULT_OUT_OF_RANGE, `${at}.fault.abort.httpStatus`, `HTTP status ${s} is not in the range 200-599`);
      } else if (abort.grpcStatus !== undefined) {
        if (!GRPC_STATUS.has(String(abort.grpcStatus))) report(Codes.FAULT_OUT_OF_RANGE, `${at}.fault.abort.grpcStatus`, `gRPC status '${abort.grpcStatus}' is not a gRPC status name (NOT_FOUND, UNAVAILABLE, ...)`);
      } else if (abort.http2Error !== undefined) {
        report(Codes.FAULT_OUT_OF_RANGE, `${at}.fault.abort.http2Error`, 'HTTP/2 abort fault injection is not supported');
      } else {
        report(Codes.FAULT_OUT_OF_RANGE, `${at}.fault.abort`, 'abort configured, but no error type (httpStatus or grpcStatus) set', 'warning');
      }
    }
    if (fault.delay?.exponentialDelay !== undefined) report(Codes.FAULT_OUT_OF_RANGE, `${at}.fault.delay.exponentialDelay`, 'exponentialDelay is not supported');
  }

  // agent.ValidateHTTPRetry
  const retries = r?.retries;
  if (retries) {
    const attempts = Number(retries.attempts ?? 0);
    if (attempts < 0) report(Codes.VIRTUAL_SERVICE_REJECTED, `${at}.retries.attempts`, 'attempts cannot be negative');
    if (attempts === 0 && (retries.perTryTimeout !== undefined || (retries.retryOn ?? '') !== '' || retries.retryRemoteLocalities !== undefined)) {
      report(Codes.RETRY_ON_WITHOUT_ATTEMPTS, `${at}.retries`, 'retry settings (retryOn, perTryTimeout, retryRemoteLocalities) with attempts 0, which disables retries');
    }
    if (typeof retries.retryOn === 'string' && retries.retryOn !== '') {
      for (const policy of retries.retryOn.split(',')) {
        if (!RETRY_ON.has(policy) && !isKnownHttpStatus(policy)) report(Codes.VIRTUAL_SERVICE_REJECTED, `${at}.retries.retryOn`, `'${policy}' is not a retryOn policy`);
      }
    }
  }
}

/** VirtualService (validation.go, ValidateVirtualService; virtualservice.go). */
export function virtualService(vs: Manifest, report: Report): void {
  const spec = vs.spec ?? {};
  const delegate = !Array.isArray(spec.hosts) || spec.hosts.length === 0;
  const http = Array.isArray(spec.http) ? spec.http : [];
  if (delegate && (Array.isArray(spec.gateways) && spec.gateways.length > 0)) {
    report(Codes.VIRTUAL_SERVICE_REJECTED, 'spec.gateways', 'a delegate VirtualService (no hosts) must not set gateways');
  }
  if (http.length === 0 && !(spec.tcp?.length > 0) && !(spec.tls?.length > 0)) {
    report(Codes.VIRTUAL_SERVICE_REJECTED, 'spec', 'a VirtualService needs at least one HTTP, TLS or TCP route');
  }
  http.forEach((r: any, i: number) => {
    httpRoute(r, `spec.http[${i}]`, delegate, report);
    httpRouteDetails(r, `spec.http[${i}]`, report);
  });
  (Array.isArray(spec.tls) ? spec.tls : []).forEach((r: any, i: number) => {
    // A missing match is the CRD schema's (required: MESH150); an empty list is the webhook's (validateTLSRoute).
    if (Array.isArray(r?.match) && r.match.length === 0) report(Codes.VIRTUAL_SERVICE_REJECTED, `spec.tls[${i}].match`, 'a TLS route needs at least one match');
  });
}

/** DestinationRule: subset names are unique (a second one is never used); traffic policies (traffic-policy.ts). */
export function destinationRule(dr: Manifest, report: Report): void {
  const seen = new Set<string>();
  (Array.isArray(dr.spec?.subsets) ? dr.spec.subsets : []).forEach((s: any, i: number) => {
    const name = String(s?.name ?? '');
    if (seen.has(name)) report(Codes.DESTINATION_RULE_REJECTED, `spec.subsets[${i}].name`, `duplicate subset name '${name}'`);
    seen.add(name);
    trafficPolicy(s?.trafficPolicy, `spec.subsets[${i}].trafficPolicy`, report);
  });
  trafficPolicy(dr.spec?.trafficPolicy, 'spec.trafficPolicy', report);
}

const TLS_PROTOCOLS = new Set(['HTTPS', 'TLS']);
const HTTP_PROTOCOLS = new Set(['HTTP', 'HTTP2', 'GRPC', 'GRPC-WEB', 'HTTP_PROXY']);

/** Gateway (validation.go, ValidateGateway and validateServer). */
export function gateway(gw: Manifest, report: Report): void {
  const servers = Array.isArray(gw.spec?.servers) ? gw.spec.servers : [];
  if (servers.length === 0) report(Codes.GATEWAY_HOSTS, 'spec.servers', 'a Gateway needs at least one server');
  const names = new Set<string>();
  servers.forEach((s: any, i: number) => {
    const at = `spec.servers[${i}]`;
    if (!Array.isArray(s?.hosts) || s.hosts.length === 0) report(Codes.GATEWAY_HOSTS, `${at}.hosts`, 'a server needs at least one host');
    const port = s?.port;
    if (!port) return; // a server without a port is the CRD schema's (required: MESH150)
    // A missing name is the CRD schema's (required: MESH150); an empty one is the webhook's (validateServer).
    if (port.name === '') report(Codes.GATEWAY_PORT_NAME, `${at}.port.name`, 'port name must be set');
    else if (typeof port.name === 'string') {
      if (names.has(port.name)) report(Codes.GATEWAY_PORT_NAME, `${at}.port.name`, `port names in servers must be unique: duplicate name ${port.name}`);
      names.add(port.name);
    }
    const protocol = String(port.protocol ?? '').toUpperCase();
    if (TLS_PROTOCOLS.has(protocol) && !s.tls) report(Codes.GATEWAY_TLS, `${at}.tls`, `a ${protocol} server needs tls settings`);
    if (!TLS_PROTOCOLS.has(protocol) && s.tls) {
      const redirectOnly = HTTP_PROTOCOLS.has(protocol) && Object.keys(s.tls).every((k) => k === 'httpsRedirect');
      if (!redirectOnly) report(Codes.GATEWAY_TLS, `${at}.tls`, `a ${protocol || 'plain-text'} server cannot have TLS settings (only httpsRedirect on HTTP)`);
    }
    if (port.targetPort !== undefined && Number(port.targetPort) > 0) report(Codes.GATEWAY_PORT_NAME, `${at}.port.targetPort`, 'targetPort has no effect on Gateways', 'warning');
  });
}

/**
 * ServiceEntry (validation.go, ValidateServiceEntry). What the CRDs of Istio 1.24 and 1.30 refuse
 * first is not repeated (one finding per problem): a repeated port name (`ports` is a list map
 * keyed by name: MESH171), a repeated port number, workloadSelector with endpoints, CIDR addresses
 * outside NONE/STATIC, endpoints with NONE, more than one endpoint with DNS_ROUND_ROBIN (CEL
 * rules: MESH151).
 */
export function serviceEntry(se: Manifest, report: Report): void {
  const spec = se.spec ?? {};
  const resolution = spec.resolution ?? 'NONE';
  if (resolution === 'DYNAMIC_DNS') {
    if (!(spec.hosts ?? []).every((h: string) => String(h).startsWith('*'))) report(Codes.SERVICE_ENTRY_REJECTED, 'spec.hosts', 'resolution DYNAMIC_DNS needs wildcard hosts');
  }
}

/** Sidecar (validation.go, ValidateSidecar): egress hosts are `namespace/host`, unique, at most one port-less listener, last; connection pools as a DestinationRule's. */
export function sidecar(sc: Manifest, report: Report): void {
  const egress = Array.isArray(sc.spec?.egress) ? sc.spec.egress : [];
  const portless = egress.map((e: any, i: number) => (e?.port ? -1 : i)).filter((i: number) => i >= 0);
  if (portless.length > 1) report(Codes.SIDECAR_REJECTED, `spec.egress[${portless[1]}]`, 'egress can have only one listener without a port');
  else if (portless.length === 1 && portless[0] !== egress.length - 1) report(Codes.SIDECAR_REJECTED, `spec.egress[${portless[0]}]`, 'the egress listener without a port must be the last');
  egress.forEach((e: any, i: number) => {
    const hosts: string[] = Array.isArray(e?.hosts) ? e.hosts.map(String) : [];
    if (hosts.length === 0) report(Codes.SIDECAR_REJECTED, `spec.egress[${i}].hosts`, 'an egress listener needs at least one host');
    const seen = new Set<string>();
    hosts.forEach((h, j) => {
      const at = `spec.egress[${i}].hosts[${j}]`;
      if (!/^[^/]+\/[^/]+$/.test(h)) report(Codes.SIDECAR_REJECTED, at, `egress host '${h}' must be namespace/dnsName`);
      if (seen.has(h)) report(Codes.SIDECAR_REJECTED, at, `duplicated egress host ${h}`);
      seen.add(h);
    });
    if (hosts.includes('*/*') && hosts.length > 1) report(Codes.SIDECAR_REJECTED, `spec.egress[${i}].hosts`, '`*/*` selects everything: no other hosts can be added');
  });
  const ports = new Set<number>();
  (Array.isArray(sc.spec?.ingress) ? sc.spec.ingress : []).forEach((l: any, i: number) => {
    // A listener without a port is the CRD schema's (required: MESH150), and istiod skips it.
    if (!l?.port) return;
    if (ports.has(Number(l.port.number))) report(Codes.SIDECAR_REJECTED, `spec.ingress[${i}].port.number`, 'ports of ingress listeners must be unique');
    ports.add(Number(l.port.number));
    sidecarIngressListener(l, `spec.ingress[${i}]`, report);
    // ValidateSidecar: each ingress listener's connection pool, as a DestinationRule's (validateConnectionPool).
    connectionPool(l.connectionPool, `spec.ingress[${i}].connectionPool`, report);
  });
  connectionPool(sc.spec?.inboundConnectionPool, 'spec.inboundConnectionPool', report);
}

/** EnvoyFilter patches: a patch needs an operation, and ADD, INSERT_* and MERGE need a value. */
export function envoyFilter(ef: Manifest, report: Report): void {
  (Array.isArray(ef.spec?.configPatches) ? ef.spec.configPatches : []).forEach((p: any, i: number) => {
    const at = `spec.configPatches[${i}]`;
    if (!p?.patch) { report(Codes.ENVOY_FILTER_REJECTED, `${at}.patch`, 'a config patch needs a patch'); return; }
    const op = p.patch.operation;
    if (!op || op === 'INVALID') report(Codes.ENVOY_FILTER_REJECTED, `${at}.patch.operation`, 'a patch needs an operation');
    if (['ADD', 'INSERT_BEFORE', 'INSERT_AFTER', 'INSERT_FIRST', 'MERGE', 'REPLACE'].includes(op) && (p.patch.value === undefined || p.patch.value === null)) {
      report(Codes.ENVOY_FILTER_REJECTED, `${at}.patch.value`, `${op} needs a value`);
    }
    if (!p.applyTo || p.applyTo === 'INVALID') report(Codes.ENVOY_FILTER_REJECTED, `${at}.applyTo`, 'a patch needs applyTo');
  });
}

export type { Report };

/** Collects findings of `m` through a report function. */
export function collector(m: Manifest): { out: Finding[]; report: Report } {
  const out: Finding[] = [];
  return { out, report: (code, field, message, severity) => out.push(finding(code, m, field, message, severity)) };
}
