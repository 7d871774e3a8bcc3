/**
 * istiod's webhook checks of a traffic policy (a DestinationRule's top-level one, each subset's
 * and each port's) and of a connection pool: ports of istio/istio
 * pkg/config/validation/validation.go (validateTrafficPolicy, validateOutlierDetection,
 * validateConnectionPool, validateLoadBalancer, validatePortTrafficPolicies, validateTunnelSettings,
 * validateProxyProtocol, ValidatePercent) and agent/validation.go (ValidateDuration, ValidateTLS).
 * Istio 1.30 adds `retryBudget` to what makes a policy non-empty, cookie attributes, and the
 * `configmap://` credentialName rule.
 */
import { Codes } from '../../core/codes';
import { IstioVersion } from '../../core/istio-version';
import { fqdnProblem } from './hosts';
import { localityLbSetting } from './locality';
import { ipAddressProblem, portProblem } from './net';
import type { Report } from './report';
import { bool, isSet, list, num, obj, str, wrapped } from '../values';

const GO_UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/**
 * Nanoseconds of a duration as the CRD accepts it (a Go duration such as `1m30s` or protobuf
 * JSON's `1.5s`, https://pkg.go.dev/time#ParseDuration); undefined if not one (the schema reports that).
 */
export function durationNanos(text: unknown): number | undefined {
  if (typeof text !== 'string' || text === '') return undefined;
  if (text === '0') return 0;
  const re = /([0-9]*\.?[0-9]+)(ns|us|µs|μs|ms|s|m|h)/y;
  let total = 0;
  let sign = 1;
  let i = 0;
  if (text[0] === '-' || text[0] === '+') { sign = text[0] === '-' ? -1 : 1; i = 1; }
  if (i >= text.length) return undefined;
  while (i < text.length) {
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) return undefined;
    total += Number(m[1]) * GO_UNIT_NS[m[2]];
    i = re.lastIndex;
  }
  return sign * total;
}

/**
 * agent.ValidateDuration: at least 1ms, in whole milliseconds (MESH173). Where the CRD has the
 * 1ms rule as CEL (MESH151), the API server refuses the object before istiod sees it.
 * `zeroDisables`: tcp.idleTimeout, which is not checked when it truncates to 0ms (validateConnectionPool).
 */
export function duration(value: unknown, field: string, report: Report, zeroDisables = false): void {
  if (!isSet(value)) return;
  const ns = durationNanos(value);
  if (ns === undefined) return;
  if (zeroDisables && Math.trunc(ns / 1e6) === 0) return;
  if (ns < 1e6) report(Codes.WEBHOOK_DURATION_REJECTED, field, `duration '${value}' must be greater than 1ms`);
  else if (Math.round(ns) % 1e6 !== 0) report(Codes.WEBHOOK_DURATION_REJECTED, field,
    `duration '${value}': only durations to ms precision are supported`);
}

/** validateOutlierDetection. */
function outlierDetection(o: Record<string, any> | undefined, at: string, report: Report): void {
  if (!o) return;
  duration(o.baseEjectionTime, `${at}.baseEjectionTime`, report);
  if (num(o.consecutiveErrors) !== 0) {
    report(Codes.DEPRECATED_FIELD, `${at}.consecutiveErrors`,
      'outlier detection consecutive errors is deprecated, use consecutiveGatewayErrors or consecutive5xxErrors instead', 'warning');
  }
  if (!bool(o.splitExternalLocalOriginErrors) && wrapped(o.consecutiveLocalOriginFailures) > 0) {
    report(Codes.TRAFFIC_POLICY_REJECTED, `${at}.consecutiveLocalOriginFailures`,
      'outlier detection consecutive local origin failures is specified, but split external local origin errors is set to false');
  }
  duration(o.interval, `${at}.interval`, report);
  for (const k of ['maxEjectionPercent', 'minHealthPercent']) {
    const v = num(o[k]);
    if (v < 0 || v > 100) report(Codes.TRAFFIC_POLICY_REJECTED, `${at}.${k}`, `percentage ${v} is not in range 0..100`);
  }
}

/** validateConnectionPool (a DestinationRule's, and a Sidecar's inbound ones). */
export function connectionPool(value: unknown, at: string, report: Report): void {
  const c = obj(value);
  if (!c) return;
  if (!isSet(c.http) && !isSet(c.tcp)) { report(Codes.TRAFFIC_POLICY_REJECTED, at, 'connection pool must have at least one field'); return; }
  const nonNegative = (o: Record<string, any>, k: string, base: string) => {
    if (num(o[k]) < 0) report(Codes.TRAFFIC_POLICY_REJECTED, `${base}.${k}`, `${k} must be non-negative`);
  };
  const h = obj(c.http);
  if (h) {
    for (const k of ['http1MaxPendingRequests', 'http2MaxRequests', 'maxRequestsPerConnection', 'maxRetries']) nonNegative(h, k, `${at}.http`);
    duration(h.idleTimeout, `${at}.http.idleTimeout`, report);
    if (h.h2UpgradePolicy === 'UPGRADE' && bool(h.useClientProtocol)) {
      report(Codes.TRAFFIC_POLICY_REJECTED, `${at}.http.useClientProtocol`, 'use client protocol must not be true when H2UpgradePolicy is UPGRADE');
    }
    nonNegative(h, 'maxConcurrentStreams', `${at}.http`);
  }
  const t = obj(c.tcp);
  if (t) {
    nonNegative(t, 'maxConnections', `${at}.tcp`);
    duration(t.connectTimeout, `${at}.tcp.connectTimeout`, report);
    duration(t.maxConnectionDuration, `${at}.tcp.maxConnectionDuration`, report);
    duration(t.idleTimeout, `${at}.tcp.idleTimeout`, report, true);
    const ka = obj(t.tcpKeepalive);
    duration(ka?.time, `${at}.tcp.tcpKeepalive.time`, report);
    duration(ka?.interval, `${at}.tcp.tcpKeepalive.interval`, report);
  }
}

/** Envoy's primality test for a Maglev table size (envoy source/common/common/utility.cc, Primes::isPrime; validation.go, isPrime). */
function isPrime(x: number): boolean {
  if (x !== 0 && x < 4) return true;
  if (x % 2 === 0) return false;
  for (let f = 3; f * f <= x; f += 2) if (x % f === 0) return false;
  return true;
}

/** validateLoadBalancer (cookie attributes from Istio 1.30: each named, no name twice). */
function loadBalancer(lb: Record<string, any> | undefined, outlier: unknown, at: string, report: Report, version: IstioVersion): void {
  if (!lb) return;
  const fail = (field: string, message: string) => report(Codes.TRAFFIC_POLICY_REJECTED, field, message);
  const ch = obj(lb.consistentHash);
  if (ch) {
    const cat = `${at}.consistentHash`;
    const cookie = obj(ch.httpCookie);
    if (cookie && str(cookie.name) === '') fail(`${cat}.httpCookie.name`, 'name required for HttpCookie');
    if (cookie && version !== '1.24') {
      const seen = new Set<string>();
      list(cookie.attributes).forEach((a, i) => {
        const name = str(obj(a)?.name);
        if (name === '') fail(`${cat}.httpCookie.attributes[${i}].name`, 'cookie attribute name cannot be empty');
        else if (seen.has(name)) fail(`${cat}.httpCookie.attributes[${i}].name`, `duplicate cookie attribute name: ${name}`);
        else seen.add(name);
      });
    }
    if (num(ch.minimumRingSize) !== 0) {
      report(Codes.DEPRECATED_FIELD, `${cat}.minimumRingSize`,
        "consistent hash MinimumRingSize is deprecated, use ConsistentHashLB's RingHash configuration instead", 'warning');
      if (isSet(ch.ringHash) || isSet(ch.maglev)) fail(`${cat}.minimumRingSize`, 'only one of MinimumRingSize or Maglev/Ringhash can be specified');
    }
    const maglev = obj(ch.maglev);
    if (maglev) {
      const size = num(maglev.tableSize);
      if (size === 0) fail(`${cat}.maglev.tableSize`, 'tableSize must be set for maglev');
      if (size >= 5000011) fail(`${cat}.maglev.tableSize`, 'tableSize must be less than 5000011 for maglev');
      if (!isPrime(size)) fail(`${cat}.maglev.tableSize`, 'tableSize must be a prime number for maglev');
    }
  }
  localityLbSetting(lb.localityLbSetting, `${at}.localityLbSetting`, report, outlier);
  const warm = obj(lb.warmup);
  if (warm) {
    if (!isSet(warm.duration)) fail(`${at}.warmup.duration`, 'duration is required');
    else duration(warm.duration, `${at}.warmup.duration`, report);
    if (wrapped(warm.minimumPercent) > 100) fail(`${at}.warmup.minimumPercent`, 'minimumPercent value should be less than or equal to 100');
    if (isSet(warm.aggression) && wrapped(warm.aggression) < 1) fail(`${at}.warmup.aggression`, 'aggression should be greater than or equal to 1');
  }
}

/** agent.ValidateTLS: what SIMPLE and MUTUAL need, what credentialName and insecureSkipVerify exclude; 1.30's configmap:// rule. */
function tls(t: Record<string, any> | undefined, at: string, report: Report, namespace: string, version: IstioVersion): void {
  if (!t) return;
  const fail = (field: string, message: string) => report(Codes.TRAFFIC_POLICY_REJECTED, field, message);
  const set = (k: string) => str(t[k]) !== '';
  const credential = str(t.credentialName);
  if (version !== '1.24' && credential.startsWith('configmap://')) {
    // pilot/pkg/model/credentials, ParseResourceName: configmap://<name> or configmap://<namespace>/<name>.
    const rest = credential.slice('configmap://'.length);
    const parts = rest.split('/');
    const ns = parts.length === 2 ? parts[0] : namespace;
    if (rest === '' || parts.length > 2 || parts.some((p) => p === '')) fail(`${at}.credentialName`,
      `invalid configmap:// credentialName: ${credential}`);
    else if (ns !== namespace || namespace === '') fail(`${at}.credentialName`,
      `invalid configmap:// credentialName: namespace must match the configuration namespace ${JSON.stringify(namespace)}`);
  }
  const sans = list(t.subjectAltNames).length > 0;
  if (bool(t.insecureSkipVerify)) {
    if (t.mode === 'SIMPLE' && (set('caCertificates') || set('credentialName') || sans)) {
      fail(`${at}.insecureSkipVerify`, 'cannot specify CaCertificates or CredentialName or SubjectAltNames when InsecureSkipVerify is set true');
    }
    if (t.mode === 'MUTUAL' && (set('caCertificates') || sans)) fail(`${at}.insecureSkipVerify`,
      'cannot specify CaCertificates or SubjectAltNames when InsecureSkipVerify is set true');
  }
  if ((t.mode === 'SIMPLE' || t.mode === 'MUTUAL') && set('credentialName')) {
    if (['clientCertificate', 'caCertificates', 'privateKey', 'caCrl'].some(set)) {
      fail(`${at}.credentialName`, 'cannot specify client certificates or CA certificate or CA CRL If credentialName is set');
    }
    return;
  }
  if (t.mode === 'MUTUAL') {
    if (!set('clientCertificate')) fail(`${at}.clientCertificate`, 'client certificate required for mutual tls');
    if (!set('privateKey')) fail(`${at}.privateKey`, 'private key required for mutual tls');
  }
}

/** validateTunnelSettings: protocol CONNECT or POST, a target host that is a FQDN or an IP, a target port. */
function tunnel(t: Record<string, any> | undefined, at: string, report: Report): void {
  if (!t) return;
  const protocol = str(t.protocol);
  if (protocol !== '' && protocol !== 'CONNECT' && protocol !== 'POST') report(Codes.TRAFFIC_POLICY_REJECTED, `${at}.protocol`,
    'tunnel protocol must be "CONNECT" or "POST"');
  const host = str(t.targetHost);
  const [fqdn, ip] = [fqdnProblem(host), ipAddressProblem(host)];
  if (fqdn && ip) report(Codes.INVALID_HOST, `${at}.targetHost`, `tunnel target host must be valid FQDN or IP address: ${fqdn}; ${ip}`);
  const port = portProblem(num(t.targetPort));
  if (port) report(Codes.INVALID_PORT, `${at}.targetPort`, `tunnel target port is invalid: ${port}`);
}

/** Where a policy is and what it needs to know: the object's namespace and the release. */
export interface PolicyScope {
  readonly namespace: string;
  readonly version: IstioVersion;
}

/** validateTrafficPolicy (top-level and subset), with validatePortTrafficPolicies. */
export function trafficPolicy(value: unknown, at: string, report: Report, scope: PolicyScope): void {
  const p = obj(value);
  if (!p) return;
  const fields = ['outlierDetection', 'connectionPool', 'loadBalancer', 'tls', 'tunnel', 'proxyProtocol',
    ...(scope.version === '1.24' ? [] : ['retryBudget'])];
  // portLevelSettings counts when it is not nil: an empty list decodes as nil.
  if (!fields.some((k) => isSet(p[k])) && list(p.portLevelSettings).length === 0) {
    report(Codes.TRAFFIC_POLICY_REJECTED, at, 'traffic policy must have at least one field');
    return;
  }
  if (isSet(p.tunnel) && isSet(p.proxyProtocol)) {
    report(Codes.TRAFFIC_POLICY_REJECTED, `${at}.proxyProtocol`, 'tunnel and proxyProtocol must not be set together');
    return;
  }
  portPolicy(p, at, report, scope);
  list(p.portLevelSettings).forEach((raw, i) => {
    const pat = `${at}.portLevelSettings[${i}]`;
    const pl = obj(raw);
    if (!pl) { report(Codes.TRAFFIC_POLICY_REJECTED, pat, 'traffic policy may not be null'); return; }
    if (!isSet(pl.port)) report(Codes.TRAFFIC_POLICY_REJECTED, `${pat}.port`, 'portTrafficPolicy must have valid port');
    if (!['outlierDetection', 'connectionPool', 'loadBalancer', 'tls'].some((k) => isSet(pl[k]))) {
      report(Codes.TRAFFIC_POLICY_REJECTED, pat, 'port traffic policy must have at least one field');
    } else portPolicy(pl, pat, report, scope);
  });
  tunnel(obj(p.tunnel), `${at}.tunnel`, report);
}

function portPolicy(p: Record<string, any>, at: string, report: Report, scope: PolicyScope): void {
  outlierDetection(obj(p.outlierDetection), `${at}.outlierDetection`, report);
  connectionPool(p.connectionPool, `${at}.connectionPool`, report);
  loadBalancer(obj(p.loadBalancer), p.outlierDetection, `${at}.loadBalancer`, report, scope.version);
  tls(obj(p.tls), `${at}.tls`, report, scope.namespace, scope.version);
}
