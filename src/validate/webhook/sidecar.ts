/**
 * istiod's webhook check of a Sidecar: a port of istio/istio pkg/config/validation/validation.go
 * (ValidateSidecar, validateSidecarIngressPortAndBind, validateSidecarEgressPortBindAndCaptureMode,
 * validateSidecarOutboundTrafficPolicy, ValidateAlphaWorkloadSelector, ValidateUnixAddress) and
 * agent/validation.go (ValidateNamespaceSlashWildcardHostname, ValidatePort, ValidateIPAddress,
 * ValidateFQDN). A repeated egress host, and the all-namespaces catch-all beside other hosts, are warnings: istiod admits
 * them. Istio 1.30 also refuses `credentialNames` and `tlsCertificates` on an ingress listener.
 * @see https://istio.io/latest/docs/reference/config/networking/sidecar/
 */
import { Codes } from '../../core/codes';
import { Manifest } from '../finding';
import { destination } from './destination';
import { tlsOptions } from './gateway';
import { fqdnProblem, namespaceSlashHostProblems } from './hosts';
import { alphaWorkloadSelector, isHttpProtocol, isTlsProtocol, parseProtocol, portNameProblem, protocolProblem } from './names';
import { atoi, ipAddressProblem, portProblem, splitHostPort, unixAddressProblem } from './net';
import type { Report, WebhookScope } from './report';
import { connectionPool } from './traffic-policy';
import { isSet, list, num, obj, str } from '../values';

/** The name, protocol, number and bind every listener port is checked for. */
function portAndBind(port: Record<string, any>, bind: string, at: string, report: Report, numberRequired = true): void {
  if (str(port.name) !== '') {
    const n = portNameProblem(str(port.name));
    if (n) report(Codes.INVALID_REFERENCE_NAME, `${at}.port.name`, n);
  }
  const pr = protocolProblem(str(port.protocol));
  if (pr) report(Codes.INVALID_PROTOCOL, `${at}.port.protocol`, pr);
  if (numberRequired) {
    const p = portProblem(num(port.number));
    if (p) report(Codes.INVALID_PORT, `${at}.port.number`, p);
  }
  if (bind !== '' && numberRequired) {
    const b = ipAddressProblem(bind);
    if (b) report(Codes.INVALID_ADDRESS, `${at}.bind`, b);
  }
}

/** An ingress listener's defaultEndpoint: a Unix socket, or the loopback or any address with a port. */
function defaultEndpoint(endpoint: string, at: string, report: Report): void {
  if (endpoint === '') return;
  if (endpoint.startsWith('unix://')) {
    const p = unixAddressProblem(endpoint.slice('unix://'.length));
    if (p) report(Codes.INVALID_ADDRESS, at, p);
    return;
  }
  const { host, port, error } = splitHostPort(endpoint);
  if (error) report(Codes.INVALID_ADDRESS, at, error);
  if (host !== '' && !['127.0.0.1', '0.0.0.0', '::1', '::'].includes(host)) {
    report(Codes.SIDECAR_REJECTED, at,
      'sidecar: defaultEndpoint must be of form 127.0.0.1:<port>,0.0.0.0:<port>,[::1]:port,[::]:port,unix://filepath or unset');
  }
  const n = atoi(port);
  if (n === undefined) report(Codes.INVALID_PORT, at, `sidecar: defaultEndpoint port (${port}) is not a number`);
  else if (portProblem(n)) report(Codes.INVALID_PORT, at, portProblem(n)!);
}

/** One ingress listener (the loop of ValidateSidecar over `ingress`). */
function ingressListener(raw: unknown, at: string, report: Report, scope: WebhookScope, ports: Set<number>): void {
  const fail = (field: string, message: string) => report(Codes.SIDECAR_REJECTED, field, message);
  const l = obj(raw);
  if (!l) { fail(at, 'sidecar: ingress may not be null'); return; }
  const port = obj(l.port);
  if (!port) { fail(`${at}.port`, 'sidecar: port is required for ingress listeners'); return; }
  if (num(port.targetPort) > 0) fail(`${at}.port.targetPort`, 'targetPort has no impact on Sidecars');
  portAndBind(port, str(l.bind), at, report);
  if (ports.has(num(port.number))) fail(`${at}.port.number`, 'sidecar: ports on IP bound listeners must be unique');
  ports.add(num(port.number));
  defaultEndpoint(str(l.defaultEndpoint), `${at}.defaultEndpoint`, report);
  const t = obj(l.tls);
  if (t) {
    if (list(t.subjectAltNames).length > 0) fail(`${at}.tls.subjectAltNames`, 'sidecar: subjectAltNames is not supported in ingress tls');
    if (t.httpsRedirect === true) fail(`${at}.tls.httpsRedirect`, 'sidecar: httpsRedirect is not supported');
    if (str(t.credentialName) !== '') fail(`${at}.tls.credentialName`, 'sidecar: credentialName is not currently supported');
    if (scope.version !== '1.24' && list(t.credentialNames).length > 0) fail(`${at}.tls.credentialNames`,
      'sidecar: credentialNames is not currently supported');
    if (scope.version !== '1.24' && list(t.tlsCertificates).length > 0) fail(`${at}.tls.tlsCertificates`,
      'sidecar: tls_certificates is not currently supported');
    if (t.mode === 'ISTIO_MUTUAL' || t.mode === 'AUTO_PASSTHROUGH') fail(`${at}.tls.mode`,
      `configuration is invalid: cannot set mode to ${t.mode} in sidecar ingress tls`);
    if (!isTlsProtocol(parseProtocol(str(port.protocol)))) fail(`${at}.tls`, 'server cannot have TLS settings for non HTTPS/TLS ports');
    tlsOptions(t, `${at}.tls`, report, scope, Codes.SIDECAR_REJECTED);
  }
  connectionPool(l.connectionPool, `${at}.connectionPool`, report);
  if (isSet(obj(l.connectionPool)?.http) && !isHttpProtocol(parseProtocol(str(port.protocol)))) {
    report(Codes.WEBHOOK_WARNING, `${at}.connectionPool.http`, `sidecar: HTTP connection pool settings are configured for port ${num(port.number)} `
      + `(${JSON.stringify(str(port.name))}) but its protocol is not HTTP (${str(port.protocol)}); only TCP settings will apply`, 'warning');
  }
}

/** An egress listener's hosts: `namespace/dnsName`, each once (a repeat is a warning), `*\/*` alone (a warning otherwise). */
function egressHosts(hosts: string[], at: string, report: Report, namespace: string): void {
  const warn = (field: string, message: string) => report(Codes.WEBHOOK_WARNING, field, message, 'warning');
  if (hosts.length === 0) { report(Codes.SIDECAR_REJECTED, `${at}.hosts`, 'sidecar: egress listener must contain at least one host'); return; }
  const byNamespace = new Map<string, Set<string>>();
  hosts.forEach((h, j) => {
    const field = `${at}.hosts[${j}]`;
    const slash = h.indexOf('/');
    if (slash >= 0) {
      const ns = h.slice(0, slash) === '.' ? namespace : h.slice(0, slash);
      const svc = h.slice(slash + 1);
      const seen = byNamespace.get(ns) ?? new Set<string>();
      byNamespace.set(ns, seen);
      if (svc !== '*' ? seen.has(svc) || seen.has('*') : seen.size > 0) warn(field, `duplicated egress host: ${h}`);
      seen.add(svc);
    }
    for (const p of namespaceSlashHostProblems(h, false)) report(Codes.INVALID_HOST, field, p);
  });
  if (byNamespace.get('*')?.has('*') && byNamespace.size !== 1) warn(`${at}.hosts`, '`*/*` host select all resources, no other hosts can be added');
}

/** The egress listeners: one port-less listener at most, last; ports and Unix sockets unique; hosts. */
function egressListeners(egress: unknown[], report: Report, namespace: string): void {
  const fail = (field: string, message: string) => report(Codes.SIDECAR_REJECTED, field, message);
  const ports = new Set<number>();
  const sockets = new Set<string>();
  let catchAll = false;
  egress.forEach((raw, i) => {
    const at = `spec.egress[${i}]`;
    const e = obj(raw);
    if (!e) { fail(at, 'egress listener may not be null'); return; }
    const port = obj(e.port);
    if (!port) {
      if (catchAll) { fail(at, 'sidecar: egress can have only one listener with empty port'); return; }
      if (i === egress.length - 1) catchAll = true;
      else fail(at, 'sidecar: the egress listener with empty port should be the last listener in the list');
    } else {
      if (num(port.targetPort) > 0) fail(`${at}.port.targetPort`, 'targetPort has no impact on Sidecars');
      const bind = str(e.bind);
      if (num(port.number) === 0) {
        portAndBind(port, bind, at, report, false);
        if (!bind.startsWith('unix://')) fail(`${at}.bind`, 'sidecar: ports with 0 value must have a unix domain socket bind address');
        else {
          const p = unixAddressProblem(bind.slice('unix://'.length));
          if (p) report(Codes.INVALID_ADDRESS, `${at}.bind`, p);
        }
        const capture = str(e.captureMode);
        if (capture !== '' && capture !== 'DEFAULT' && capture !== 'NONE') fail(`${at}.captureMode`,
          'sidecar: captureMode must be DEFAULT/NONE for unix domain socket listeners');
        if (sockets.has(bind)) fail(`${at}.bind`, 'sidecar: unix domain socket values for listeners must be unique');
        sockets.add(bind);
      } else {
        portAndBind(port, bind, at, report);
        if (ports.has(num(port.number))) fail(`${at}.port.number`, 'sidecar: ports on IP bound listeners must be unique');
        ports.add(num(port.number));
      }
    }
    egressHosts(list(e.hosts).map(str), at, report, namespace);
  });
}

/** validateSidecarOutboundTrafficPolicy: an egress proxy only with ALLOW_ANY, a FQDN host and a port. */
function outboundTrafficPolicy(value: unknown, report: Report): void {
  const tp = obj(value);
  const proxy = obj(tp?.egressProxy);
  if (!tp || !proxy) return;
  const at = 'spec.outboundTrafficPolicy.egressProxy';
  if (str(tp.mode) !== 'ALLOW_ANY') {
    report(Codes.SIDECAR_REJECTED, at,
      'sidecar: egress_proxy must be set only with ALLOW_ANY outbound_traffic_policy mode'); return;
  }
  const f = fqdnProblem(str(proxy.host));
  if (f) report(Codes.INVALID_HOST, `${at}.host`, f);
  if (!isSet(proxy.port)) { report(Codes.SIDECAR_REJECTED, `${at}.port`, 'sidecar: egress_proxy port must be non-nil'); return; }
  destination(proxy, at, report);
}

/** ValidateSidecar. */
export function sidecar(sc: Manifest, report: Report, scope: WebhookScope): void {
  const spec = obj(sc.spec) ?? {};
  const selector = alphaWorkloadSelector(spec.workloadSelector);
  if (selector.errors.length > 0) { for (const e of selector.errors) report(Codes.INVALID_SELECTOR, 'spec.workloadSelector', e); return; }
  if (selector.noLabels) report(Codes.WEBHOOK_WARNING, 'spec.workloadSelector',
    'sidecar: workload selector specified without labels, will be applied to all services in namespace', 'warning');
  const [ingress, egress] = [list(spec.ingress), list(spec.egress)];
  if (egress.length === 0 && ingress.length === 0 && !isSet(spec.outboundTrafficPolicy) && !isSet(spec.inboundConnectionPool)) {
    report(Codes.SIDECAR_REJECTED, 'spec', 'sidecar: empty configuration provided');
    return;
  }
  const ports = new Set<number>();
  ingress.forEach((l, i) => ingressListener(l, `spec.ingress[${i}]`, report, scope, ports));
  connectionPool(spec.inboundConnectionPool, 'spec.inboundConnectionPool', report);
  egressListeners(egress, report, scope.namespace);
  outboundTrafficPolicy(spec.outboundTrafficPolicy, report);
}
