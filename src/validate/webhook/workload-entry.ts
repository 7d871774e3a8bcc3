/**
 * istiod's webhook checks of workload entries (a WorkloadEntry, a ServiceEntry's STATIC
 * endpoints), WorkloadGroups and ProxyConfigs: ports of istio/istio
 * pkg/config/validation/validation.go (ValidateWorkloadEntry, validateWorkloadEntry,
 * ValidateWorkloadGroup, validateReadinessProbe, ValidateProxyConfig), the same in Istio 1.24 and 1.30.
 */
import { Codes } from '../../core/codes';
import { Manifest } from '../finding';
import { fqdnProblem } from './hosts';
import { labelProblems, labels, portNameProblem, workloadSelector } from './names';
import { isValidIPAddress, portProblem, unixAddressProblem } from './net';
import type { Report } from './report';
import { entries, isSet, list, num, obj, str, wrapped } from '../values';

/**
 * validateWorkloadEntry: an address (or a network and a warning), a Unix socket without ports, an
 * IP (or, where FQDNs are allowed, a host name), named ports the service defines, valid labels.
 * `servicePorts`: the ServiceEntry's port names, when the entry is one of its endpoints.
 */
export function workloadEntry(we: Record<string, any>, at: string, report: Report, servicePorts?: ReadonlySet<string>, allowFqdn = true): void {
  const addr = str(we.address);
  if (addr === '') {
    if (str(we.network) === '') { report(Codes.WORKLOAD_ENTRY_REJECTED, `${at}.address`, 'address is required'); return; }
    report(Codes.WEBHOOK_WARNING, `${at}.address`, `address is unset with network ${JSON.stringify(str(we.network))}`, 'warning');
  }
  const unix = addr.startsWith('unix://');
  if (unix) {
    const p = unixAddressProblem(addr.slice('unix://'.length));
    if (p) report(Codes.INVALID_ADDRESS, `${at}.address`, p);
    if (entries(we.ports).length > 0) report(Codes.WORKLOAD_ENTRY_REJECTED, `${at}.ports`, `unix endpoint ${addr} must not include ports`);
  } else if (addr !== '' && !isValidIPAddress(addr)) {
    if (!allowFqdn) report(Codes.INVALID_ADDRESS, `${at}.address`, `endpoint address ${JSON.stringify(addr)} is not a valid IP address`);
    else if (fqdnProblem(addr)) report(Codes.INVALID_ADDRESS, `${at}.address`,
      `endpoint address ${JSON.stringify(addr)} is not a valid FQDN or an IP address`);
  }
  for (const [name, port] of entries(we.ports)) {
    if (servicePorts && !servicePorts.has(name)) report(Codes.WORKLOAD_ENTRY_REJECTED, `${at}.ports.${name}`,
      `endpoint port ${num(port)} is not defined by the service entry`);
    const n = portNameProblem(name);
    if (n) report(Codes.INVALID_REFERENCE_NAME, `${at}.ports.${name}`, n);
    const p = portProblem(num(port));
    if (p) report(Codes.INVALID_PORT, `${at}.ports.${name}`, p);
  }
  labels(we.labels, `${at}.labels`, report);
  if (unix && servicePorts && servicePorts.size !== 1) report(Codes.WORKLOAD_ENTRY_REJECTED, at,
    'exactly 1 service port required for unix endpoints');
}

/** ValidateWorkloadEntry: the entry itself, whose address may be a host name. */
export function workloadEntryKind(m: Manifest, report: Report): void {
  workloadEntry(obj(m.spec) ?? {}, 'spec', report, undefined, true);
}

/** validateReadinessProbe: non-negative timings, and the one health check a probe names. */
function readinessProbe(value: unknown, at: string, report: Report): void {
  const probe = obj(value);
  if (!probe) return;
  const fail = (field: string, message: string) => report(Codes.WORKLOAD_ENTRY_REJECTED, field, message);
  for (const k of ['periodSeconds', 'initialDelaySeconds', 'timeoutSeconds', 'successThreshold', 'failureThreshold']) {
    if (num(probe[k]) < 0) fail(`${at}.${k}`, `${k} must be non-negative`);
  }
  if (isSet(probe.httpGet)) {
    const h = obj(probe.httpGet) ?? {};
    const p = portProblem(num(h.port));
    if (p) report(Codes.INVALID_PORT, `${at}.httpGet.port`, p);
    const scheme = str(h.scheme);
    if (scheme !== '' && scheme !== 'HTTPS' && scheme !== 'HTTP') fail(`${at}.httpGet.scheme`, 'httpGet.scheme must be one of "HTTPS", "HTTP"');
    list(h.httpHeaders).forEach((raw, i) => {
      const header = obj(raw);
      if (!header) { fail(`${at}.httpGet.httpHeaders[${i}]`, 'invalid nil header'); return; }
      const name = str(header.name);
      // ValidateProbeHeaderName: what Kubernetes allows in a probe's header name.
      if (name === '') report(Codes.HEADER_REJECTED, `${at}.httpGet.httpHeaders[${i}].name`, 'header name cannot be empty');
      else if (!/^[-A-Za-z0-9]+$/.test(name)) report(Codes.HEADER_REJECTED, `${at}.httpGet.httpHeaders[${i}].name`,
        `header name ${name} is not a valid header name`);
    });
  } else if (isSet(probe.tcpSocket)) {
    const p = portProblem(num(obj(probe.tcpSocket)?.port));
    if (p) report(Codes.INVALID_PORT, `${at}.tcpSocket.port`, p);
  } else if (isSet(probe.exec)) {
    if (list(obj(probe.exec)?.command).length === 0) fail(`${at}.exec.command`, 'exec.command is required');
  } else {
    fail(at, 'unknown health check method <nil>');
  }
}

/** ValidateWorkloadGroup: a template, valid metadata labels (istiod stops there), a readiness probe. */
export function workloadGroup(m: Manifest, report: Report): void {
  const spec = obj(m.spec) ?? {};
  if (!isSet(spec.template)) { report(Codes.WORKLOAD_ENTRY_REJECTED, 'spec.template', 'template is required'); return; }
  const problems = labelProblems(obj(spec.metadata)?.labels);
  if (problems.length > 0) { report(Codes.INVALID_SELECTOR, 'spec.metadata.labels', `invalid labels: ${problems.join('; ')}`); return; }
  readinessProbe(spec.probe, 'spec.probe', report);
}

/** ValidateProxyConfig: the selector, and a concurrency not below 0. */
export function proxyConfig(m: Manifest, report: Report): void {
  const spec = obj(m.spec) ?? {};
  workloadSelector(spec.selector, 'spec.selector', report);
  if (wrapped(spec.concurrency) < 0) report(Codes.WORKLOAD_ENTRY_REJECTED, 'spec.concurrency', 'concurrency must be greater than or equal to 0');
}
