import { Codes } from '../../core/codes';
import { MeshError } from '../../core/errors';
import { dns1123LabelProblem } from '../../core/names';

/** The TLS modes a gateway server can use. */
export type GatewayTlsMode = 'SIMPLE' | 'MUTUAL' | 'OPTIONAL_MUTUAL' | 'ISTIO_MUTUAL' | 'PASSTHROUGH';

/** How a gateway server that verifies its clients' certificates ({@link GatewayTls.mutual}) admits them. */
export interface GatewayMutualTlsOptions {
  /**
   * The subject alternative names the gateway accepts in a client's certificate, any one of them (ServerTLSSettings
   * `subjectAltNames`): the partners' certificates alone where one CA signs others too. A certificate without one of them is
   * refused in the handshake.
   * @default - any certificate the clients' CA signed
   */
  readonly subjectAltNames?: string[];
  /**
   * Admit a client that presents no certificate too (Istio's OPTIONAL_MUTUAL: "a client certificate is not required", one
   * presented is verified): the X-Forwarded-Client-Cert header the gateway sets then says which requests came with one.
   * @default false - MUTUAL: a client without a certificate fails the handshake
   */
  readonly optional?: boolean;
}

/**
 * A gateway server's TLS settings as Istio's ServerTLSSettings spells them: either only
 * `httpsRedirect` (an HTTP server), or a mode and, for SIMPLE and MUTUAL, the Secret.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings
 */
export type ServerTlsSettings =
  | { readonly httpsRedirect: true }
  | { readonly mode: GatewayTlsMode; readonly credentialName?: string; readonly subjectAltNames?: readonly string[] };

/**
 * TLS settings of a gateway server: one of five shapes, each made by a static factory
 * and rendering its own ServerTLSSettings.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings
 */
export abstract class GatewayTls {
  /**
   * TLS terminated with the certificate in Secret `credentialName`. Istio reads the Secret
   * in the namespace of the gateway workload (the pods, `istio-system` for the platform's
   * ingress gateway), not in the Gateway resource's: "the secret must exist in the same
   * namespace as the proxy using the certificates". A Secret of that name written elsewhere
   * fails synth (MESH665).
   * @see https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings (credentialName)
   */
  public static simple(credentialName: string): GatewayTls {
    return new CredentialTls('SIMPLE', checkCredential(credentialName));
  }

  /**
   * Mutual TLS: the server's certificate from Secret `credentialName` (in the gateway workload's namespace, as for {@link simple}),
   * the clients' certificates verified against the CA of Secret `<credentialName>-cacert` there, else of the `ca.crt` key of
   * `credentialName` itself (istio/istio pilot/pkg/credentials/kube/secrets.go, `GetCaCert`): a cert-manager Certificate's
   * `ca.crt` is its own issuer's CA, so give the clients' CA as `<credentialName>-cacert` (MESH537). `options` narrow the
   * certificates admitted (`subjectAltNames`) or admit clients without one (`optional`, OPTIONAL_MUTUAL).
   * @see https://istio.io/latest/docs/tasks/traffic-management/ingress/secure-ingress/#configure-a-mutual-tls-ingress-gateway
   */
  public static mutual(credentialName: string, options: GatewayMutualTlsOptions = {}): GatewayTls {
    const sans = options.subjectAltNames;
    if (sans !== undefined) {
      if (sans.length === 0) throw new MeshError(Codes.GATEWAY_TLS, 'subjectAltNames: give at least one name, or leave subjectAltNames out');
      const bad = sans.find((n) => n.trim() === '' || /\s/.test(n));
      if (bad !== undefined) throw new MeshError(Codes.GATEWAY_TLS, `subjectAltNames: '${bad}' is not a subject alternative name`);
    }
    return new CredentialTls(options.optional ? 'OPTIONAL_MUTUAL' : 'MUTUAL', checkCredential(credentialName), sans && [...new Set(sans)]);
  }

  /** Istio's own mTLS with mesh certificates (seed 003's mesh-internal gateway). */
  public static istioMutual(): GatewayTls {
    return new ModeTls('ISTIO_MUTUAL');
  }

  /** TLS passed through to the backend, routed by SNI. */
  public static passthrough(): GatewayTls {
    return new ModeTls('PASSTHROUGH');
  }

  /** For an HTTP server: answer every request with a redirect to HTTPS. */
  public static httpsRedirect(): GatewayTls {
    return new HttpsRedirectTls();
  }

  /**
   * Whether these settings are for a server that speaks TLS (an HTTPS or TLS port): true
   * for every mode, false for {@link httpsRedirect}, which belongs on an HTTP server
   * ("If set to true, the load balancer will send a 301 redirect for all http connections").
   * @see https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings (httpsRedirect)
   */
  public abstract readonly forTlsPort: boolean;

  /** The Secret the gateway pods read the certificate from: set for SIMPLE, MUTUAL and OPTIONAL_MUTUAL only. */
  public abstract readonly credentialName: string | undefined;

  /** The settings as Istio's ServerTLSSettings has them. */
  public abstract render(): ServerTlsSettings;
}

/** SIMPLE, MUTUAL or OPTIONAL_MUTUAL: a mode, the Secret with the certificate, and the client names a mutual server accepts. */
class CredentialTls extends GatewayTls {
  public readonly forTlsPort = true;
  public constructor(
    private readonly mode: 'SIMPLE' | 'MUTUAL' | 'OPTIONAL_MUTUAL', public readonly credentialName: string,
    private readonly subjectAltNames?: readonly string[],
  ) {
    super();
  }

  public render(): ServerTlsSettings {
    return { mode: this.mode, credentialName: this.credentialName, ...(this.subjectAltNames ? { subjectAltNames: [...this.subjectAltNames] } : {}) };
  }
}

/** ISTIO_MUTUAL or PASSTHROUGH: a mode, no Secret. */
class ModeTls extends GatewayTls {
  public readonly forTlsPort = true;
  public readonly credentialName = undefined;
  public constructor(private readonly mode: 'ISTIO_MUTUAL' | 'PASSTHROUGH') {
    super();
  }

  public render(): ServerTlsSettings {
    return { mode: this.mode };
  }
}

/** An HTTP server's redirect to HTTPS. */
class HttpsRedirectTls extends GatewayTls {
  public readonly forTlsPort = false;
  public readonly credentialName = undefined;

  public render(): ServerTlsSettings {
    return { httpsRedirect: true };
  }
}

function checkCredential(name: string): string {
  const problem = dns1123LabelProblem(name.replace(/\./g, '-'));
  if (problem) throw new MeshError(Codes.GATEWAY_TLS, `credentialName: ${problem}`);
  return name;
}

/**
 * The external client of an intended flow to a server with these settings: one that presents a certificate where the server
 * requires one (MUTUAL), carrying the first of its `subjectAltNames` (the partner's certificate), none elsewhere.
 * @internal
 */
export function externalClient(
  tls: { render(): ServerTlsSettings } | undefined,
): { readonly external: true; readonly clientCertificate?: { readonly subjectAltName?: string } } {
  const s = tls?.render();
  if (!s || !('mode' in s) || s.mode !== 'MUTUAL') return { external: true };
  return { external: true, clientCertificate: s.subjectAltNames?.length ? { subjectAltName: s.subjectAltNames[0] } : {} };
}
