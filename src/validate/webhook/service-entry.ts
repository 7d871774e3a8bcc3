/**
 * istiod's webhook check of a ServiceEntry: a port of istio/istio
 * pkg/config/validation/validation.go (ValidateServiceEntry, ValidatePortName, ValidateProtocol,
 * validateExportTo) and agent/validation.go (ValidateWildcardDomain, ValidatePartialWildCard,
 * ValidateIPSubnet, ValidateFQDN, ValidatePort). Istio 1.24 has no DYNAMIC_DNS resolution (its CRD
 * refuses it) and warns about a targetPort under NONE; 1.30 checks DYNAMIC_DNS and says no more
 * about a partial wildcard there.
 * @see https://istio.io/latest/docs/reference/config/networking/service-entry/
 */
import { Codes } from '../../core/codes';
import { Manifest } from '../finding';
import { fqdnProblem, isWildcarded, partialWildcardProblem, wildcardDomainProblem } from './hosts';
import { alphaWorkloadSelector, exportTo, isHttpProtocol, isTcpProtocol, isTlsProtocol, labels, parseProtocol, portNameProblem,
  protocolProblem } from './names';
import { ipSubnetProblem, isValidIPAddress, portProblem } from './net';
import type { Report, WebhookScope } from './report';
import { workloadEntry } from './workload-entry';
import { entries, isSet, list, num, obj, str } from '../values';

/** The ports: unique names and numbers, a valid targetPort, name, protocol and number (the name set for the endpoints). */
function ports(spec: Record<string, any>, report: Report, scope: WebhookScope): Set<string> {
  const names = new Set<string>();
  const numbers = new Set<number>();
  list(spec.ports).forEach((raw, i) => {
    const at = `spec.ports[${i}]`;
    const p = obj(raw);
    if (!p) { report(Codes.SERVICE_ENTRY_REJECTED, at, 'service entry port may not be null'); return; }
    const [name, number] = [str(p.name), num(p.number)];
    if (names.has(name)) report(Codes.SERVICE_ENTRY_REJECTED, `${at}.name`, `service entry port name ${JSON.stringify(name)} already defined`);
    if (numbers.has(number)) report(Codes.SERVICE_ENTRY_REJECTED, `${at}.number`, `service entry port ${number} already defined`);
    names.add(name);
    numbers.add(number);
    if (num(p.targetPort) !== 0) {
      const t = portProblem(num(p.targetPort));
      if (t) report(Codes.INVALID_PORT, `${at}.targetPort`, t);
      // features.PassthroughTargetPort is off by default in 1.24; 1.30 dropped the warning.
      if (scope.version === '1.24' && (spec.resolution ?? 'NONE') === 'NONE') {
        report(Codes.WEBHOOK_WARNING, `${at}.targetPort`, 'targetPort has no effect when resolution mode is NONE', 'warning');
      }
    }
    // A TCP port without addresses is the analysis's warning (MESH133, IST0134), which knows about auto-allocation.
    const n = portNameProblem(name);
    if (n) report(Codes.INVALID_REFERENCE_NAME, `${at}.name`, n);
    const pr = protocolProblem(str(p.protocol));
    if (pr) report(Codes.INVALID_PROTOCOL, `${at}.protocol`, pr);
    const pn = portProblem(number);
    if (pn) report(Codes.INVALID_PORT, `${at}.number`, pn);
  });
  return names;
}

/** The DNS and DNS_ROUND_ROBIN rules: FQDN hosts without endpoints, endpoints that are IPs or FQDNs with known ports. */
function dnsResolution(spec: Record<string, any>, report: Report, servicePorts: Set<string>, scope: WebhookScope): void {
  const resolution = str(spec.resolution);
  const endpoints = list(spec.endpoints);
  if (endpoints.length === 0) {
    for (const [i, h] of list(spec.hosts).entries()) {
      const p = fqdnProblem(str(h));
      if (!p) continue;
      report(Codes.INVALID_HOST, `spec.hosts[${i}]`, scope.version === '1.24'
        ? `hosts must be FQDN if no endpoints are provided for resolution mode ${resolution}`
        : `hosts must be FQDN or contain only prefix wildcards if no endpoints are provided for resolution mode ${resolution}, ${p}`);
      if (scope.version !== '1.24') break;
    }
  }
  if (resolution === 'DNS_ROUND_ROBIN' && endpoints.length > 1) report(Codes.SERVICE_ENTRY_REJECTED, 'spec.endpoints',
    `there must only be 0 or 1 endpoint for resolution mode ${resolution}`);
  endpoints.forEach((raw, i) => {
    const at = `spec.endpoints[${i}]`;
    const e = obj(raw);
    if (!e) { report(Codes.SERVICE_ENTRY_REJECTED, at, 'endpoint cannot be nil'); return; }
    const addr = str(e.address);
    if (!isValidIPAddress(addr) && fqdnProblem(addr)) report(Codes.INVALID_ADDRESS, `${at}.address`,
      `endpoint address ${JSON.stringify(addr)} is not a valid FQDN or an IP address`);
    labels(e.labels, `${at}.labels`, report);
    for (const [name, port] of entries(e.ports)) {
      if (!servicePorts.has(name)) report(Codes.SERVICE_ENTRY_REJECTED, `${at}.ports.${name}`,
        `endpoint port ${num(port)} is not defined by the service entry`);
      const n = portNameProblem(name);
      if (n) report(Codes.INVALID_REFERENCE_NAME, `${at}.ports.${name}`, n);
      const p = portProblem(num(port));
      if (p) report(Codes.INVALID_PORT, `${at}.ports.${name}`, p);
    }
  });
  const tcp = list(spec.ports).some((p) => isTcpProtocol(parseProtocol(str(obj(p)?.protocol))));
  if (list(spec.addresses).length > 0 && list(spec.hosts).length > 1 && tcp) {
    report(Codes.WEBHOOK_WARNING, 'spec.hosts', 'service entry can not have more than one host specified simultaneously with address and tcp port',
      'warning');
  }
}

/** Istio 1.30's DYNAMIC_DNS rules: wildcard hosts only, no addresses or endpoints, HTTP/TLS/GRPC/HTTP2 ports, a location. */
function dynamicDns(spec: Record<string, any>, report: Report, scope: WebhookScope): void {
  const fail = (field: string, message: string) => report(Codes.SERVICE_ENTRY_REJECTED, field, message);
  if (list(spec.hosts).length === 0) fail('spec.hosts', 'at least one wildcard host must be provided for resolution type DYNAMIC_DNS');
  list(spec.hosts).forEach((h, i) => {
    if (!isWildcarded(str(h))) fail(`spec.hosts[${i}]`,
      'host must be wildcarded for resolution mode DYNAMIC_DNS');
  });
  if (list(spec.addresses).length > 0) fail('spec.addresses',
    'addresses cannot be set for resolution type DYNAMIC_DNS. HTTP route domains will only be generatedfrom the hosts field values');
  if (list(spec.endpoints).length > 0) fail('spec.endpoints',
    'endpoints cannot be set for resolution type DYNAMIC_DNS. Destination IP address determined from hostsfield values');
  list(spec.ports).forEach((raw, i) => {
    const p = obj(raw);
    if (!p) { fail(`spec.ports[${i}]`, 'port cannot be nil'); return; }
    if (!['http', 'tls', 'grpc', 'http2'].includes(parseProtocol(str(p.protocol)) ?? '')) {
      fail(`spec.ports[${i}].protocol`, 'only HTTP, TLS, GRPC, and HTTP2 protocols are supported for resolution type DYNAMIC_DNS');
    }
  });
  const location = str(spec.location) === '' ? 'MESH_EXTERNAL' : str(spec.location);
  const waypoint = scope.labels['istio.io/use-waypoint'];
  if (location === 'MESH_INTERNAL' && waypoint !== undefined && waypoint !== '' && waypoint.toLowerCase() !== 'none') {
    fail('spec.location', 'location MESH_INTERNAL with resolution type DYNAMIC_DNS is not supported when using waypoints');
  }
}

/** ValidateServiceEntry. */
export function serviceEntry(se: Manifest, report: Report, scope: WebhookScope): void {
  const spec = obj(se.spec) ?? {};
  const selector = alphaWorkloadSelector(spec.workloadSelector);
  if (selector.errors.length > 0) { for (const e of selector.errors) report(Codes.INVALID_SELECTOR, 'spec.workloadSelector', e); return; }
  if (selector.noLabels) report(Codes.WEBHOOK_WARNING, 'spec.workloadSelector',
    'service entry: workload selector specified without labels, will be applied to all services in namespace', 'warning');
  if (isSet(spec.workloadSelector) && list(spec.endpoints).length > 0) report(Codes.SERVICE_ENTRY_REJECTED, 'spec',
    'only one of WorkloadSelector or Endpoints is allowed in Service Entry');
  const resolution = str(spec.resolution) === '' ? 'NONE' : str(spec.resolution);
  const hosts = list(spec.hosts).map(str);
  if (hosts.length === 0) report(Codes.SERVICE_ENTRY_REJECTED, 'spec.hosts', 'service entry must have at least one host');
  hosts.forEach((h, i) => {
    if (h === '*') { report(Codes.INVALID_HOST, `spec.hosts[${i}]`, `invalid host ${h}`); return; }
    const p = wildcardDomainProblem(h);
    if (p) report(Codes.INVALID_HOST, `spec.hosts[${i}]`, p);
    const partial = scope.version !== '1.24' && resolution === 'DYNAMIC_DNS' ? undefined : partialWildcardProblem(h);
    if (partial) report(Codes.WEBHOOK_WARNING, `spec.hosts[${i}]`, partial, 'warning');
  });
  let cidr = false;
  list(spec.addresses).forEach((a, i) => {
    cidr ||= str(a).includes('/');
    const p = ipSubnetProblem(str(a));
    if (p) report(Codes.INVALID_ADDRESS, `spec.addresses[${i}]`, p);
  });
  if (cidr && resolution !== 'NONE' && resolution !== 'STATIC') report(Codes.SERVICE_ENTRY_REJECTED, 'spec.addresses',
    'CIDR addresses are allowed only for NONE/STATIC resolution types');
  const servicePorts = ports(spec, report, scope);
  if (resolution === 'NONE') {
    if (list(spec.endpoints).length > 0) report(Codes.SERVICE_ENTRY_REJECTED, 'spec.endpoints',
      'no endpoints should be provided for resolution type none');
    if (isSet(spec.workloadSelector)) report(Codes.WEBHOOK_WARNING, 'spec.workloadSelector',
      'workloadSelector should not be set when resolution mode is NONE', 'warning');
  } else if (resolution === 'STATIC') {
    list(spec.endpoints).forEach((e, i) => {
      if (!obj(e)) report(Codes.SERVICE_ENTRY_REJECTED, `spec.endpoints[${i}]`, 'endpoint cannot be nil');
      else workloadEntry(obj(e)!, `spec.endpoints[${i}]`, report, servicePorts, false);
    });
  } else if (resolution === 'DNS' || resolution === 'DNS_ROUND_ROBIN') {
    dnsResolution(spec, report, servicePorts, scope);
  } else if (resolution === 'DYNAMIC_DNS' && scope.version !== '1.24') {
    dynamicDns(spec, report, scope);
  } else {
    report(Codes.SERVICE_ENTRY_REJECTED, 'spec.resolution', `unsupported resolution type ${resolution}`);
  }
  // Several hosts over plain TCP cannot be told apart, unless the hosts are ignored (NONE).
  if (resolution !== 'NONE' && hosts.length > 1) {
    const plain = list(spec.ports).find((p) => {
      const pr = parseProtocol(str(obj(p)?.protocol));
      return !isHttpProtocol(pr) && !isTlsProtocol(pr);
    });
    if (plain !== undefined) report(Codes.SERVICE_ENTRY_REJECTED, 'spec.hosts', 'multiple hosts provided with non-HTTP, non-TLS ports');
  }
  exportTo(spec.exportTo, scope.namespace, 'spec.exportTo', report, true);
}
