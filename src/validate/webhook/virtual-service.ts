/**
 * istiod's webhook check of a VirtualService: a port of istio/istio
 * pkg/config/validation/validation.go (ValidateVirtualService, validateTLSRoute, validateTLSMatch,
 * validateSniHost, validateTCPRoute, validateTCPMatch, validateGatewayNames, validateExportTo) and
 * agent/validation.go (ValidateWildcardDomain, ValidateWildcardDomainForVirtualServiceBoundToGateway,
 * ValidateIPSubnet). HTTP routes are in http-route.ts. The unreachable-rule warnings istiod adds are
 * the analysis's MESH104 and MESH132, written once there.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/
 */
import { Codes } from '../../core/codes';
import { Manifest } from '../finding';
import { routeDestinations } from './destination';
import { gatewayBoundDomainProblem, hostSubsetOf, hostsMatch, wildcardDomainProblem } from './hosts';
import { httpRoute } from './http-route';
import { isJwtClaim } from './http-match';
import { exportTo, gatewayNames, labels } from './names';
import { ipSubnetProblem, isValidIPAddress, portProblem } from './net';
import type { Report, WebhookScope } from './report';
import { entries, list, num, obj, str } from '../values';

/** Subnets, port, source labels and gateways of a TLS or TCP match. */
function l4Match(m: Record<string, any>, at: string, report: Report): void {
  list(m.destinationSubnets).forEach((s, i) => {
    const p = ipSubnetProblem(str(s));
    if (p) report(Codes.INVALID_ADDRESS, `${at}.destinationSubnets[${i}]`, p);
  });
  if (num(m.port) !== 0) {
    const p = portProblem(num(m.port));
    if (p) report(Codes.INVALID_PORT, `${at}.port`, p);
  }
  labels(m.sourceLabels, `${at}.sourceLabels`, report);
  gatewayNames(m.gateways, `${at}.gateways`, report);
}

/** validateSniHost: a (gateway-bound) wildcard domain covered by one of the VirtualService's hosts; an IP is warned about. */
function sniHost(host: string, at: string, hosts: string[], toGateway: boolean, report: Report): void {
  const problem = toGateway ? gatewayBoundDomainProblem(true, host) : wildcardDomainProblem(host);
  if (problem) {
    if (isValidIPAddress(host)) report(Codes.WEBHOOK_WARNING, at,
      `using an IP address (${JSON.stringify(host)}) goes against SNI spec and most clients do not support this`, 'warning');
    else report(Codes.INVALID_HOST, at, problem);
    return;
  }
  if (!hosts.some((h) => hostSubsetOf(host, h))) {
    report(Codes.INVALID_HOST, at,
      `SNI host ${JSON.stringify(host)} is not a compatible subset of any of the virtual service hosts: [${hosts.join(', ')}]`);
  }
}

/** validateTLSRoute: at least one match with SNI hosts, a route. */
function tlsRoute(raw: unknown, at: string, hosts: string[], toGateway: boolean, report: Report, gatewaySemantics: boolean): void {
  const r = obj(raw);
  if (!r) return;
  const fail = (field: string, message: string) => report(Codes.VIRTUAL_SERVICE_REJECTED, field, message);
  const matches = list(r.match);
  if (matches.length === 0) fail(`${at}.match`, 'TLS route must have at least one match condition');
  matches.forEach((mraw, i) => {
    const mat = `${at}.match[${i}]`;
    const m = obj(mraw);
    if (!m) { fail(mat, 'TLS match may not be null'); return; }
    const sni = list(m.sniHosts).map(str);
    if (sni.length === 0) fail(`${mat}.sniHosts`, 'TLS match must have at least one SNI host');
    sni.forEach((h, j) => sniHost(h, `${mat}.sniHosts[${j}]`, hosts, toGateway, report));
    l4Match(m, mat, report);
  });
  if (list(r.route).length === 0) fail(`${at}.route`, 'TLS route is required');
  routeDestinations(r.route, `${at}.route`, report, gatewaySemantics);
}

/** validateTCPRoute: matches, a route. */
function tcpRoute(raw: unknown, at: string, report: Report, gatewaySemantics: boolean): void {
  const r = obj(raw);
  if (!r) return;
  list(r.match).forEach((mraw, i) => {
    const m = obj(mraw);
    if (!m) { report(Codes.VIRTUAL_SERVICE_REJECTED, `${at}.match[${i}]`, 'tcp match may not be nil'); return; }
    l4Match(m, `${at}.match[${i}]`, report);
  });
  if (list(r.route).length === 0) report(Codes.VIRTUAL_SERVICE_REJECTED, `${at}.route`, 'TCP route is required');
  routeDestinations(r.route, `${at}.route`, report, gatewaySemantics);
}

/** The hosts: wildcard domains (or IPs), `*` not on the mesh, none matching another. */
function hosts(spec: Record<string, any>, all: string[], toGateway: boolean, toMesh: boolean, report: Report): void {
  const sni = list(spec.tls).some((t) => list(obj(t)?.match).some((m) => list(obj(m)?.sniHosts).length > 0));
  let valid = true;
  all.forEach((h, i) => {
    const problem = toGateway ? gatewayBoundDomainProblem(sni, h) : wildcardDomainProblem(h);
    if (problem) {
      if (!isValidIPAddress(h)) { report(Codes.INVALID_HOST, `spec.hosts[${i}]`, problem); valid = false; }
    } else if (toMesh && h === '*') {
      report(Codes.INVALID_HOST, `spec.hosts[${i}]`, 'wildcard host * is not allowed for virtual services bound to the mesh gateway');
      valid = false;
    }
  });
  if (!valid) return;
  // Duplicates: the same host, or one a wildcard of the other covers (`*.foo.com` and `*.com`).
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      if (hostsMatch(all[i], all[j])) report(Codes.INVALID_HOST, `spec.hosts[${j}]`, `duplicate hosts in virtual service: ${all[i]} & ${all[j]}`);
    }
  }
}

/** ValidateVirtualService. */
export function virtualService(vs: Manifest, report: Report, scope: WebhookScope): void {
  const spec = obj(vs.spec) ?? {};
  const fail = (field: string, message: string) => report(Codes.VIRTUAL_SERVICE_REJECTED, field, message);
  const all = list(spec.hosts).map(str);
  const gateways = list(spec.gateways).map(str);
  const delegate = all.length === 0;
  if (delegate) {
    if (gateways.length > 0) fail('spec.gateways', 'delegate virtual service must have no gateways specified');
    if (list(spec.tls).length > 0) fail('spec.tls', 'delegate virtual service must have no tls route specified');
    if (list(spec.tcp).length > 0) fail('spec.tcp', 'delegate virtual service must have no tcp route specified');
  }
  const gatewaySemantics = scope.annotations['internal.istio.io/route-semantics'] === 'gateway';
  // Bound to a gateway unless `mesh` is among its gateways; no gateways at all means the mesh.
  const toGateway = gateways.length > 0 && !gateways.includes('mesh');
  const toMesh = !toGateway;
  if (gateways.length > 0) gatewayNames(spec.gateways, 'spec.gateways', report, gatewaySemantics);
  if (!toGateway) {
    list(spec.http).forEach((r, i) => list(obj(r)?.match).forEach((m, j) => {
      for (const kind of ['headers', 'withoutHeaders']) {
        for (const [name] of entries(obj(m)?.[kind])) {
          if (isJwtClaim(name)) {
            fail(`spec.http[${i}].match[${j}].${kind}.${name}`,
              `JWT claim based routing (key: ${name}) is only supported for gateway, found no gateways: [${gateways.join(' ')}]`);
          }
        }
      }
    }));
  }
  hosts(spec, all, toGateway, toMesh, report);
  if (list(spec.http).length === 0 && list(spec.tcp).length === 0 && list(spec.tls).length === 0) fail('spec',
    'http, tcp or tls must be provided in virtual service');
  list(spec.http).forEach((r, i) => httpRoute(r, `spec.http[${i}]`, delegate, report, scope.version, gatewaySemantics));
  list(spec.tls).forEach((r, i) => tlsRoute(r, `spec.tls[${i}]`, all, toGateway, report, gatewaySemantics));
  list(spec.tcp).forEach((r, i) => tcpRoute(r, `spec.tcp[${i}]`, report, gatewaySemantics));
  exportTo(spec.exportTo, scope.namespace, 'spec.exportTo', report, false);
}
