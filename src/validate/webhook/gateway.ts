/**
 * istiod's webhook check of a Gateway: a port of istio/istio pkg/config/validation/validation.go
 * (ValidateGateway, validateServer, validateServerPort, validateServerBind, validateTLSOptions),
 * agent/validation.go (ValidateNamespaceSlashWildcardHostname, ValidatePort) and
 * pkg/config/security/security.go (IsValidCipherSuite). Istio 1.30 adds `tlsCertificates` and
 * `credentialNames`, one certificate source at most, and up to 2 server certificates.
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/
 */
import { Codes } from '../../core/codes';
import { Manifest } from '../finding';
import { isDns1123Label, namespaceSlashHostProblems } from './hosts';
import { isHttpProtocol, isTlsProtocol, parseProtocol } from './names';
import { ipAddressProblem, portProblem, unixAddressProblem } from './net';
import type { Report, WebhookScope } from './report';
import { isSet, list, num, obj, str } from '../values';

/** security.ValidCipherSuites: what BoringSSL names (`bssl ciphers -openssl-name ALL`, without PSK). */
const CIPHER_SUITES = new Set([
  'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305', 'ECDHE-ECDSA-AES128-SHA', 'ECDHE-RSA-AES128-SHA',
  'ECDHE-ECDSA-AES256-SHA', 'ECDHE-RSA-AES256-SHA', 'AES128-GCM-SHA256', 'AES256-GCM-SHA384', 'AES128-SHA', 'AES256-SHA', 'DES-CBC3-SHA',
]);

/** security.IsValidCipherSuite: empty, ALL, an operator expression (not led by a letter or digit), or a known suite. */
function isValidCipherSuite(cs: string): boolean {
  return cs === '' || cs === 'ALL' || !/^[\p{L}\p{N}]/u.test(cs) || CIPHER_SUITES.has(cs);
}

/** validateTLSOptions: cipher suites (warnings), what each mode needs and excludes. Sidecar ingress TLS uses it too. */
export function tlsOptions(value: unknown, at: string, report: Report, scope: WebhookScope, code: string = Codes.GATEWAY_TLS): void {
  const t = obj(value);
  if (!t) return;
  const fail = (field: string, message: string) => report(code, field, message);
  const warn = (field: string, message: string) => report(Codes.WEBHOOK_WARNING, field, message, 'warning');
  const set = (k: string) => str(t[k]) !== '';
  const v130 = scope.version !== '1.24';
  const suites = list(t.cipherSuites).map(str);
  if ((t.minProtocolVersion === 'TLSV1_0' || t.minProtocolVersion === 'TLSV1_1') && suites.length === 0) {
    warn(`${at}.minProtocolVersion`,
      'TLS version below TLSV1_2 require setting compatible ciphers as by default they no longer include compatible ciphers.');
  }
  const invalid = new Set<string>();
  const valid = new Set<string>();
  const duplicate = new Set<string>();
  for (const cs of suites) {
    if (!isValidCipherSuite(cs)) invalid.add(cs);
    else if (valid.has(cs)) duplicate.add(cs);
    else valid.add(cs);
  }
  if (invalid.size > 0) warn(`${at}.cipherSuites`, `ignoring invalid cipher suites: [${[...invalid].sort().join(' ')}]`);
  if (duplicate.size > 0) warn(`${at}.cipherSuites`, `ignoring duplicate cipher suites: [${[...duplicate].sort().join(' ')}]`);
  // PASSTHROUGH is the mode's zero value: a TLS block without a mode passes through.
  const mode = str(t.mode) === '' ? 'PASSTHROUGH' : str(t.mode);
  const certificates = v130 ? list(t.tlsCertificates) : [];
  const credentialNames = v130 ? list(t.credentialNames) : [];
  if (mode === 'ISTIO_MUTUAL') {
    if (set('serverCertificate')) fail(`${at}.serverCertificate`, 'ISTIO_MUTUAL TLS cannot have associated server certificate');
    if (set('privateKey')) fail(`${at}.privateKey`, 'ISTIO_MUTUAL TLS cannot have associated private key');
    if (set('caCertificates')) fail(`${at}.caCertificates`, 'ISTIO_MUTUAL TLS cannot have associated CA bundle');
    if (certificates.length > 0) fail(`${at}.tlsCertificates`, 'ISTIO_MUTUAL TLS cannot have associated tlsCertificates');
    if (set('credentialName')) fail(`${at}.credentialName`, 'ISTIO_MUTUAL TLS cannot have associated credentialName');
    if (credentialNames.length > 0) fail(`${at}.credentialNames`, 'ISTIO_MUTUAL TLS cannot have associated credentialNames');
    return;
  }
  if (mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH') {
    if (['caCrl', 'serverCertificate', 'privateKey', 'caCertificates',
      'credentialName'].some(set) || certificates.length > 0 || credentialNames.length > 0) {
      warn(at, `${mode} mode does not use certificates, they will be ignored`);
    }
  }
  if (v130) {
    const sources = [set('serverCertificate') && set('privateKey'), set('credentialName'), credentialNames.length > 0,
      certificates.length > 0].filter(Boolean).length;
    if (sources > 1) fail(at, 'only one of credential_name, credential_names, server_certificate/private_key, tls_certificates should be specified');
  }
  const simpleOrMutual = mode === 'SIMPLE' || mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL';
  if (simpleOrMutual && (set('credentialName') || credentialNames.length > 0)) return;
  if (simpleOrMutual) {
    const prefix = mode === 'SIMPLE' ? 'SIMPLE TLS' : 'MUTUAL TLS';
    if (mode !== 'SIMPLE' && !set('caCertificates')) fail(`${at}.caCertificates`, `${prefix} requires a client CA bundle`);
    if (certificates.length > 2) warn(`${at}.tlsCertificates`, `${prefix} can support up to 2 server certificates`);
    const pairs = certificates.length > 0 ? certificates.map((c, i) => ({ c: obj(c) ?? {}, f: `${at}.tlsCertificates[${i}]` })) : [{ c: t, f: at }];
    for (const { c, f } of pairs) {
      if (str(c.serverCertificate) === '') fail(`${f}.serverCertificate`, `${prefix} requires a server certificate`);
      if (str(c.privateKey) === '') fail(`${f}.privateKey`, `${prefix} requires a private key`);
    }
  }
  if (set('caCrl')) {
    if (set('credentialName')) fail(`${at}.caCrl`, 'CRL is not supported with credentialName. CRL has to be specified in the credential');
    if (mode === 'SIMPLE') fail(`${at}.caCrl`, 'CRL is not supported with SIMPLE TLS');
  }
}

/** validateServerPort and validateServerBind. */
function serverPort(server: Record<string, any>, at: string, report: Report): boolean {
  const port = obj(server.port);
  const bind = str(server.bind);
  if (!port) { report(Codes.GATEWAY_PORT_NAME, `${at}.port`, 'port is required'); return false; }
  let ok = true;
  if (parseProtocol(str(port.protocol)) === undefined) {
    report(Codes.INVALID_PROTOCOL, `${at}.port.protocol`,
      `invalid protocol ${JSON.stringify(str(port.protocol))}, supported protocols are HTTP, HTTP2, GRPC, GRPC-WEB, MONGO, REDIS, MYSQL, TCP`);
    ok = false;
  }
  if (num(port.number) > 0 || !bind.startsWith('unix://')) {
    const p = portProblem(num(port.number));
    if (p) { report(Codes.INVALID_PORT, `${at}.port.number`, p); ok = false; }
  }
  if (num(port.targetPort) > 0) { report(Codes.GATEWAY_PORT_NAME, `${at}.port.targetPort`, 'targetPort has no impact on Gateways'); ok = false; }
  if (str(port.name) === '') { report(Codes.GATEWAY_PORT_NAME, `${at}.port.name`, 'port name must be set'); ok = false; }
  if (bind.startsWith('unix://')) {
    const p = unixAddressProblem(bind.slice('unix://'.length));
    if (p) report(Codes.INVALID_ADDRESS, `${at}.bind`, p);
    if (num(port.number) !== 0) report(Codes.INVALID_ADDRESS, `${at}.bind`, 'port number must be 0 for unix domain socket');
  } else if (bind !== '') {
    const p = ipAddressProblem(bind);
    if (p) report(Codes.INVALID_ADDRESS, `${at}.bind`, p);
  }
  return ok;
}

/** validateServer: hosts, port and bind, TLS options, and TLS settings that fit the protocol. */
function server(raw: unknown, at: string, report: Report, scope: WebhookScope, gatewaySemantics: boolean): void {
  const s = obj(raw);
  if (!s) { report(Codes.GATEWAY_HOSTS, at, 'cannot have nil server'); return; }
  const hosts = list(s.hosts).map(str);
  if (hosts.length === 0) report(Codes.GATEWAY_HOSTS, `${at}.hosts`, 'server config must contain at least one host');
  hosts.forEach((h, i) => {
    for (const p of namespaceSlashHostProblems(h, true, gatewaySemantics)) report(Codes.INVALID_HOST, `${at}.hosts[${i}]`, p);
  });
  const portOk = serverPort(s, at, report);
  tlsOptions(s.tls, `${at}.tls`, report, scope);
  if (!portOk) return;
  const protocol = parseProtocol(str(obj(s.port)?.protocol));
  const t = obj(s.tls);
  if (isTlsProtocol(protocol) && !t) report(Codes.GATEWAY_TLS, `${at}.tls`, 'server must have TLS settings for HTTPS/TLS protocols');
  else if (!isTlsProtocol(protocol) && t) {
    if (!isHttpProtocol(protocol)) report(Codes.GATEWAY_TLS, `${at}.tls`, 'server cannot have TLS settings for non HTTPS/TLS ports');
    else {
      // gateway.IsPassThroughServer: only a passthrough (or redirect-only) TLS block on plain HTTP.
      const passthrough = (t.mode ?? 'PASSTHROUGH') === 'PASSTHROUGH' || t.mode === 'AUTO_PASSTHROUGH';
      if (!passthrough || ['caCertificates', 'privateKey', 'serverCertificate'].some((k) => str(t[k]) !== '')) {
        report(Codes.GATEWAY_TLS, `${at}.tls`, 'server cannot have TLS settings for plain text HTTP ports');
      }
    }
  }
}

/** ValidateGateway: a DNS-1123 name, at least one server, each valid, unique port names; httpsRedirect on HTTP only (a warning). */
export function gateway(gw: Manifest, report: Report, scope: WebhookScope): void {
  const gatewaySemantics = scope.annotations['internal.istio.io/gateway-semantics'] === 'gateway';
  const name = str(obj(gw.metadata)?.name);
  if (!isDns1123Label(name) && !gatewaySemantics) report(Codes.INVALID_REFERENCE_NAME, 'metadata.name',
    `invalid gateway name: ${JSON.stringify(name)}`);
  const servers = list(obj(gw.spec)?.servers);
  if (servers.length === 0) report(Codes.GATEWAY_HOSTS, 'spec.servers', 'gateway must have at least one server');
  servers.forEach((s, i) => server(s, `spec.servers[${i}]`, report, scope, gatewaySemantics));
  const names = new Set<string>();
  servers.forEach((raw, i) => {
    const port = obj(obj(raw)?.port);
    if (!port) return;
    const portName = str(port.name);
    if (names.has(portName)) report(Codes.GATEWAY_PORT_NAME, `spec.servers[${i}].port.name`,
      `port names in servers must be unique: duplicate name ${portName}`);
    names.add(portName);
    if (!isHttpProtocol(parseProtocol(str(port.protocol))) && obj(obj(raw)?.tls)?.httpsRedirect === true) {
      report(Codes.WEBHOOK_WARNING, `spec.servers[${i}].tls.httpsRedirect`, 'tls.httpsRedirect should only be used with http servers', 'warning');
    }
  });
  if (servers.some((s) => !isSet(s))) report(Codes.GATEWAY_HOSTS, 'spec.servers', 'server may not be nil');
}
