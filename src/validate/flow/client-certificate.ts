import { Manifest } from '../finding';
import { Flow, FlowVerdict } from './flow';
import { decider, refused } from './verdicts';

/**
 * Why a Gateway server that verifies clients' certificates refuses the flow's handshake. MUTUAL sets Envoy's
 * `require_client_certificate`, and `subjectAltNames` its `match_typed_subject_alt_names`; OPTIONAL_MUTUAL requires no
 * certificate but still checks the SAN of one presented (istio/istio pilot/pkg/networking/core/gateway.go,
 * buildGatewayListenerTLSContext).
 */
function clientCertificateRefusal(flow: Flow, server: Manifest, gwRef: string): string | undefined {
  const mode = String(server.tls?.mode ?? '');
  if (mode !== 'MUTUAL' && mode !== 'OPTIONAL_MUTUAL') return undefined;
  const cert = 'external' in flow.source ? flow.source.clientCertificate : undefined;
  const where = `Gateway ${gwRef}'s server ${server.port?.name ?? server.port?.number} (${mode})`;
  if (!cert) return mode === 'MUTUAL' ? `${where} requires a client certificate and the client presents none: the TLS handshake fails` : undefined;
  const sans: unknown[] = Array.isArray(server.tls?.subjectAltNames) ? server.tls.subjectAltNames : [];
  if (sans.length > 0 && !sans.includes(cert.subjectAltName)) {
    return `${where} accepts client certificates with subjectAltNames ${sans.join(', ')}, `
      + `not ${cert.subjectAltName ?? 'one without a listed SAN'}: the TLS handshake fails`;
  }
  return undefined;
}

/** The flow refused by the Gateway server's handshake (decided by the Gateway, as its routing), if it is. */
export function clientCertificateRefused(flow: Flow, server: Manifest, gateway: Manifest, gwRef: string, hops: string[]): FlowVerdict | undefined {
  const reason = clientCertificateRefusal(flow, server, gwRef);
  return reason === undefined ? undefined : refused(decider('routing', gateway), reason, hops);
}
