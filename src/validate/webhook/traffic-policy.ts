/**
 * istiod's webhook checks of a DestinationRule's traffic policies (the top-level one, each
 * subset's and each port's). Ports of istio/istio pkg/config/validation/validation.go
 * (validateTrafficPolicy, validateOutlierDetection, validateConnectionPool,
 * validateLoadBalancer, validatePortTrafficPolicies) and agent/validation.go
 * (ValidateDuration, ValidateTLS).
 */
import { Codes } from '../../core/codes';
import { localityLbSetting } from './locality';
import type { Report } from './report';

const GO_UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/**
 * Nanoseconds of a duration as the CRD accepts it (a Go duration such as `1m30s` or
 * protobuf JSON's `1.5s`, https://pkg.go.dev/time#ParseDuration); undefined if not one
 * (the schema reports that).
 */
export function durationNanos(text: unknown): number | undefined {
  if (typeof text !== 'string' || text === '') return undefined;
  if (text === '0') return 0;
  const re = /([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)/y;
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
 * A duration istiod accepts: at least 1ms, in whole milliseconds (agent/validation.go,
 * ValidateDuration). The CRD's CEL rule `duration(self) >= duration('1ms')` already refuses
 * what is under 1ms (MESH151) on every field checked here but tcp.idleTimeout, so this reports
 * the rest: a fraction of a millisecond, and a negative tcp.idleTimeout.
 */
export function duration(value: unknown, field: string, report: Report, zeroDisables = false): void {
  if (value === undefined || value === null) return;
  const ns = durationNanos(value);
  if (ns === undefined) return;
  if (zeroDisables) {
    // tcp.idleTimeout: whole milliseconds 0 (Go's Duration.Milliseconds truncates) disables the timeout (validateConnectionPool).
    if (Math.trunc(ns / 1e6) === 0) return;
    if (ns < 0) { report(Codes.WEBHOOK_DURATION_REJECTED, field, `duration '${value}' is negative`); return; }
  }
  if (ns >= 1e6 && Math.round(ns) % 1e6 !== 0) {
    report(Codes.WEBHOOK_DURATION_REJECTED, field, `duration '${value}' is not a whole number of milliseconds`);
  }
}

const has = (o: any, k: string) => o?.[k] !== undefined && o?.[k] !== null;

/** A wrapped or plain number (protobuf wrappers are plain numbers in JSON, `{value}` in some tools). */
const num = (v: any): number | undefined => (v === undefined || v === null ? undefined : Number(typeof v === 'object' ? v.value : v));

/** validation.go, validateOutlierDetection. */
function outlierDetection(o: any, at: string, report: Report): void {
  if (!o || typeof o !== 'object') return;
  duration(o.baseEjectionTime, `${at}.baseEjectionTime`, report);
  duration(o.interval, `${at}.interval`, report);
  if (num(o.consecutiveErrors)) {
    report(Codes.DEPRECATED_FIELD, `${at}.consecutiveErrors`,
      'consecutiveErrors is deprecated: use consecutiveGatewayErrors or consecutive5xxErrors', 'warning');
  }
  if (o.splitExternalLocalOriginErrors !== true && (num(o.consecutiveLocalOriginFailures) ?? 0) > 0) {
    report(Codes.TRAFFIC_POLICY_REJECTED, `${at}.consecutiveLocalOriginFailures`,
      'consecutiveLocalOriginFailures needs splitExternalLocalOriginErrors: true');
  }
  // validation.go, ValidatePercent: 0-100.
  for (const k of ['maxEjectionPercent', 'minHealthPercent']) {
    const v = num(o[k]);
    if (v !== undefined && (v < 0 || v > 100)) report(Codes.TRAFFIC_POLICY_REJECTED, `${at}.${k}`, `${k} ${v} is not in 0-100`);
  }
}

/** validation.go, validateConnectionPool (a DestinationRule's, and a Sidecar's inbound ones). */
export function connectionPool(c: any, at: string, report: Report): void {
  if (!c || typeof c !== 'object') return;
  if (!has(c, 'http') && !has(c, 'tcp')) {
    report(Codes.TRAFFIC_POLICY_REJECTED, at, 'a connection pool needs http or tcp settings');
    return;
  }
  const nonNegative = (o: any, k: string, base: string) => {
    const v = num(o?.[k]);
    if (v !== undefined && v < 0) report(Codes.TRAFFIC_POLICY_REJECTED, `${base}.${k}`, `${k} must be non-negative`);
  };
  const h = c.http;
  if (h && typeof h === 'object') {
    for (const k of ['http1MaxPendingRequests', 'http2MaxRequests', 'maxRequestsPerConnection', 'maxRetries', 'maxConcurrentStreams']) {
      nonNegative(h, k, `${at}.http`);
    }
    duration(h.idleTimeout, `${at}.http.idleTimeout`, report);
    if (h.h2UpgradePolicy === 'UPGRADE' && h.useClientProtocol === true) {
      report(Codes.TRAFFIC_POLICY_REJECTED, `${at}.http.useClientProtocol`, 'useClientProtocol must not be true when h2UpgradePolicy is UPGRADE');
    }
  }
  const t = c.tcp;
  if (t && typeof t === 'object') {
    nonNegative(t, 'maxConnections', `${at}.tcp`);
    duration(t.connectTimeout, `${at}.tcp.connectTimeout`, report);
    duration(t.maxConnectionDuration, `${at}.tcp.maxConnectionDuration`, report);
    duration(t.idleTimeout, `${at}.tcp.idleTimeout`, report, true);
    duration(t.tcpKeepalive?.time, `${at}.tcp.tcpKeepalive.time`, report);
    duration(t.tcpKeepalive?.interval, `${at}.tcp.tcpKeepalive.interval`, report);
  }
}

/** Envoy's primality test for a Maglev table size (envoy source/common/common/utility.cc, Primes::isPrime). */
function isPrime(x: number): boolean {
  if (x !== 0 && x < 4) return true;
  if (x % 2 === 0) return false;
  for (let f = 3; f * f <= x; f += 2) if (x % f === 0) return false;
  return true;
}

/**
 * Cookie attributes (Istio 1.28 and later; the 1.24 CRD has no such field, MESH150): each named,
 * no name twice (validation.go at istio master, validateLoadBalancer; istio/istio#57735).
 */
function cookieAttributes(attributes: unknown, at: string, report: Report): void {
  const seen = new Set<string>();
  (Array.isArray(attributes) ? attributes : []).forEach((a: any, i: number) => {
    if (!a || typeof a !== 'object') return;
    // A missing name is the CRD schema's (required, MESH150); an empty one is the webhook's.
    if (typeof a.name !== 'string') return;
    if (a.name === '') report(Codes.TRAFFIC_POLICY_REJECTED, `${at}[${i}].name`, 'a cookie attribute needs a name');
    else if (seen.has(a.name)) report(Codes.TRAFFIC_POLICY_REJECTED, `${at}[${i}].name`, `cookie attribute '${a.name}' is given twice`);
    seen.add(a.name);
  });
}

/** validation.go, validateLoadBalancer. */
function loadBalancer(lb: any, at: string, report: Report): void {
  if (!lb || typeof lb !== 'object') return;
  const ch = lb.consistentHash;
  if (ch && typeof ch === 'object') {
    const cookie = ch.httpCookie;
    if (cookie && typeof cookie === 'object' && !cookie.name) {
      report(Codes.TRAFFIC_POLICY_REJECTED, `${at}.consistentHash.httpCookie.name`, 'an httpCookie hash needs a cookie name');
    }
    if (cookie && typeof cookie === 'object') cookieAttributes(cookie.attributes, `${at}.consistentHash.httpCookie.attributes`, report);
    if (num(ch.minimumRingSize)) {
      report(Codes.DEPRECATED_FIELD, `${at}.consistentHash.minimumRingSize`,
        'minimumRingSize is deprecated: use consistentHash.ringHash', 'warning');
      if (has(ch, 'ringHash') || has(ch, 'maglev')) {
        report(Codes.TRAFFIC_POLICY_REJECTED, `${at}.consistentHash.minimumRingSize`, 'only one of minimumRingSize, ringHash or maglev');
      }
    }
    if (ch.maglev && typeof ch.maglev === 'object') {
      const size = num(ch.maglev.tableSize) ?? 0;
      if (size === 0 || size >= 5000011 || !isPrime(size)) {
        report(Codes.TRAFFIC_POLICY_REJECTED, `${at}.consistentHash.maglev.tableSize`, `maglev tableSize ${size} must be a prime under 5000011`);
      }
    }
  }
  localityLbSetting(lb.localityLbSetting, `${at}.localityLbSetting`, report);
  if (has(lb, 'localityLbSetting') && has(lb, 'zoneAwareLbSetting')) {
    report(Codes.TRAFFIC_POLICY_REJECTED, `${at}.zoneAwareLbSetting`, 'only one of localityLbSetting and zoneAwareLbSetting');
  }
  const warm = lb.warmup;
  if (warm && typeof warm === 'object') {
    // A warmup without duration is the CRD schema's (required: MESH150), not repeated here.
    duration(warm.duration, `${at}.warmup.duration`, report);
    // minimumPercent in 0-100 and aggression at least 1 are the CRD schema's (MESH150).
  }
}

/** agent/validation.go, ValidateTLS: what SIMPLE and MUTUAL need, and what credentialName excludes. */
function tls(t: any, at: string, report: Report): void {
  if (!t || typeof t !== 'object') return;
  const set = (k: string) => typeof t[k] === 'string' && t[k] !== '';
  const sans = has(t, 'subjectAltNames');
  const skip = t.insecureSkipVerify === true || t.insecureSkipVerify?.value === true;
  if (skip && t.mode === 'SIMPLE' && (set('caCertificates') || set('credentialName') || sans)) {
    report(Codes.TRAFFIC_POLICY_REJECTED, `${at}.insecureSkipVerify`, 'insecureSkipVerify excludes caCertificates, credentialName and subjectAltNames');
  }
  if (skip && t.mode === 'MUTUAL' && (set('caCertificates') || sans)) {
    report(Codes.TRAFFIC_POLICY_REJECTED, `${at}.insecureSkipVerify`, 'insecureSkipVerify excludes caCertificates and subjectAltNames');
  }
  if ((t.mode === 'SIMPLE' || t.mode === 'MUTUAL') && set('credentialName')) {
    if (['clientCertificate', 'caCertificates', 'privateKey', 'caCrl'].some(set)) {
      report(Codes.TRAFFIC_POLICY_REJECTED, `${at}.credentialName`, 'credentialName excludes clientCertificate, privateKey, caCertificates and caCrl');
    }
    return;
  }
  if (t.mode === 'MUTUAL') {
    if (!set('clientCertificate')) report(Codes.TRAFFIC_POLICY_REJECTED, `${at}.clientCertificate`, 'MUTUAL needs clientCertificate (or credentialName)');
    if (!set('privateKey')) report(Codes.TRAFFIC_POLICY_REJECTED, `${at}.privateKey`, 'MUTUAL needs privateKey (or credentialName)');
  }
}

/** validation.go, validateTrafficPolicy (top-level and subset) and validatePortTrafficPolicies. */
export function trafficPolicy(p: any, at: string, report: Report): void {
  if (p === undefined || p === null || typeof p !== 'object') return;
  const fields = ['outlierDetection', 'connectionPool', 'loadBalancer', 'tls', 'portLevelSettings', 'tunnel', 'proxyProtocol', 'retryBudget'];
  if (!fields.some((k) => has(p, k))) {
    report(Codes.TRAFFIC_POLICY_REJECTED, at, 'a traffic policy needs at least one field');
    return;
  }
  if (has(p, 'tunnel') && has(p, 'proxyProtocol')) {
    report(Codes.TRAFFIC_POLICY_REJECTED, `${at}.proxyProtocol`, 'tunnel and proxyProtocol exclude each other');
    return;
  }
  portPolicy(p, at, report);
  (Array.isArray(p.portLevelSettings) ? p.portLevelSettings : []).forEach((pl: any, i: number) => {
    const pat = `${at}.portLevelSettings[${i}]`;
    if (!pl || typeof pl !== 'object') return;
    if (!has(pl, 'port')) report(Codes.TRAFFIC_POLICY_REJECTED, `${pat}.port`, 'a port traffic policy needs a port');
    if (!['outlierDetection', 'connectionPool', 'loadBalancer', 'tls'].some((k) => has(pl, k))) {
      report(Codes.TRAFFIC_POLICY_REJECTED, pat, 'a port traffic policy needs at least one field');
    } else portPolicy(pl, pat, report);
  });
}

function portPolicy(p: any, at: string, report: Report): void {
  outlierDetection(p.outlierDetection, `${at}.outlierDetection`, report);
  connectionPool(p.connectionPool, `${at}.connectionPool`, report);
  loadBalancer(p.loadBalancer, `${at}.loadBalancer`, report);
  tls(p.tls, `${at}.tls`, report);
}
