/**
 * istiod's webhook checks of one Sidecar ingress listener that the CRD schema does not make: a
 * port of the ingress loop of istio/istio pkg/config/validation/validation.go (ValidateSidecar,
 * with ValidateUnixAddress and agent/validation.go's ValidatePort), the same in Istio 1.24 and
 * master. The listener's connection pool is checked as a DestinationRule's (traffic-policy.ts).
 * @see https://istio.io/latest/docs/reference/config/networking/sidecar/#IstioIngressListener
 */
import { Codes } from '../../core/codes';
import type { Report } from './report';

/** The hosts a defaultEndpoint may name: the loopback or any address, IPv4 or IPv6 (ValidateSidecar). */
const ENDPOINT_HOSTS = new Set(['', '127.0.0.1', '0.0.0.0', '::1', '::']);

/** Go's net.SplitHostPort: `host:port`, `[v6]:port` or `:port`; undefined if it is none of them. */
function splitHostPort(text: string): { host: string; port: string } | undefined {
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end < 0 || text[end + 1] !== ':') return undefined;
    return { host: text.slice(1, end), port: text.slice(end + 2) };
  }
  const colon = text.lastIndexOf(':');
  if (colon < 0 || text.slice(0, colon).includes(':')) return undefined;
  return { host: text.slice(0, colon), port: text.slice(colon + 1) };
}

/** Why istiod refuses a listener's defaultEndpoint, or undefined. */
function defaultEndpointProblem(endpoint: string): string | undefined {
  if (endpoint.startsWith('unix://')) {
    // ValidateUnixAddress: an abstract socket (`@name`) or an absolute path to a file.
    const address = endpoint.slice('unix://'.length);
    if (address === '') return 'a unix:// defaultEndpoint needs an address';
    if (!address.startsWith('@') && (!address.startsWith('/') || address.endsWith('/'))) return `'${address}' is not an absolute path to a file`;
    return undefined;
  }
  const parts = splitHostPort(endpoint);
  const form = 'must be 127.0.0.1:<port>, 0.0.0.0:<port>, [::1]:<port>, [::]:<port> or unix://<path>';
  if (!parts || !ENDPOINT_HOSTS.has(parts.host)) return `defaultEndpoint '${endpoint}' ${form}`;
  const port = /^[+-]?\d+$/.test(parts.port) ? Number(parts.port) : NaN;
  if (!(port >= 1 && port <= 65535)) return `defaultEndpoint port '${parts.port}' is not a number in 1-65535`;
  return undefined;
}

/** Server TLS modes a sidecar cannot terminate (ValidateSidecar: ISTIO_MUTUAL and AUTO_PASSTHROUGH). */
const GATEWAY_ONLY_MODES = new Set(['ISTIO_MUTUAL', 'AUTO_PASSTHROUGH']);

/**
 * One ingress listener (with a port: a listener without one is the schema's MESH150): no
 * targetPort, a defaultEndpoint on the loopback or any address or a Unix socket, and TLS only
 * on an HTTPS or TLS port, without subjectAltNames, httpsRedirect, credentialName or a
 * gateway-only mode. All MESH164.
 */
export function sidecarIngressListener(l: any, at: string, report: Report): void {
  const fail = (field: string, message: string) => report(Codes.SIDECAR_REJECTED, field, message);
  if (Number(l.port.targetPort ?? 0) > 0) fail(`${at}.port.targetPort`, 'targetPort has no effect on Sidecars');
  if (typeof l.defaultEndpoint === 'string' && l.defaultEndpoint !== '') {
    const problem = defaultEndpointProblem(l.defaultEndpoint);
    if (problem) fail(`${at}.defaultEndpoint`, problem);
  }
  const tls = l.tls;
  if (!tls || typeof tls !== 'object') return;
  if (Array.isArray(tls.subjectAltNames) && tls.subjectAltNames.length > 0) fail(`${at}.tls.subjectAltNames`, 'subjectAltNames is not supported in sidecar ingress TLS');
  if (tls.httpsRedirect === true) fail(`${at}.tls.httpsRedirect`, 'httpsRedirect is not supported in sidecar ingress TLS');
  if (typeof tls.credentialName === 'string' && tls.credentialName !== '') fail(`${at}.tls.credentialName`, 'credentialName is not supported in sidecar ingress TLS');
  if (GATEWAY_ONLY_MODES.has(String(tls.mode))) fail(`${at}.tls.mode`, `mode ${tls.mode} cannot be set in sidecar ingress TLS`);
  // protocol.Parse(...).IsTLS(): HTTPS or TLS, case-insensitive (pkg/config/protocol/instance.go).
  const protocol = String(l.port.protocol ?? '').toUpperCase();
  if (protocol !== 'HTTPS' && protocol !== 'TLS') fail(`${at}.tls`, `a ${protocol || 'plain-text'} port cannot have TLS settings (only HTTPS or TLS)`);
}
