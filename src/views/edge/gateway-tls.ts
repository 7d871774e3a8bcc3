import { Codes } from '../../core/codes';
import { MeshError } from '../../core/errors';
import { dns1123LabelProblem } from '../../core/names';

/** The TLS modes a gateway server can use. */
export type GatewayTlsMode = 'SIMPLE' | 'MUTUAL' | 'ISTIO_MUTUAL' | 'PASSTHROUGH';

/**
 * TLS settings of a gateway server.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings
 */
export class GatewayTls {
  /**
   * TLS terminated with the certificate in Secret `credentialName`. Istio reads the Secret
   * in the namespace of the gateway workload (the pods, `istio-system` for the platform's
   * ingress gateway), not in the Gateway resource's: "the secret must exist in the same
   * namespace as the proxy using the certificates". A Secret of that name written elsewhere
   * fails synth (MESH665).
   * @see https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings (credentialName)
   */
  public static simple(credentialName: string): GatewayTls {
    return new GatewayTls('SIMPLE', checkCredential(credentialName));
  }

  /** Mutual TLS with client certificates checked against the CA in Secret `credentialName` (in the gateway workload's namespace, as for {@link simple}). */
  public static mutual(credentialName: string): GatewayTls {
    return new GatewayTls('MUTUAL', checkCredential(credentialName));
  }

  /** Istio's own mTLS with mesh certificates (seed 003's mesh-internal gateway). */
  public static istioMutual(): GatewayTls {
    return new GatewayTls('ISTIO_MUTUAL');
  }

  /** TLS passed through to the backend, routed by SNI. */
  public static passthrough(): GatewayTls {
    return new GatewayTls('PASSTHROUGH');
  }

  /** For an HTTP server: answer every request with a redirect to HTTPS. */
  public static httpsRedirect(): GatewayTls {
    return new GatewayTls('SIMPLE', undefined, true);
  }

  private constructor(
    /** The mode. */
    public readonly mode: GatewayTlsMode,
    /** The Secret with the certificate, for SIMPLE and MUTUAL. */
    public readonly credentialName?: string,
    /** Whether this only redirects HTTP to HTTPS. */
    public readonly httpsRedirect?: boolean,
  ) {}
}

function checkCredential(name: string): string {
  const problem = dns1123LabelProblem(name.replace(/\./g, '-'));
  if (problem) throw new MeshError(Codes.GATEWAY_TLS, `credentialName: ${problem}`);
  return name;
}
