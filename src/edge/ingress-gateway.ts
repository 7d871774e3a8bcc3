import { Construct } from 'constructs';
import { EdgeGateway, GatewayPlacement, GatewayServer } from './edge-gateway';
import { GatewayTls } from './gateway-tls';

/** Props for {@link IngressGateway}. */
export interface IngressGatewayProps extends GatewayPlacement {
  /** The public hosts served (`shop.example.com`). */
  readonly hosts: string[];
  /** The Secret holding the hosts' certificate and key, in the gateway pods' namespace. */
  readonly credentialName: string;
  /**
   * Whether an HTTP server on port 80 redirects every request to HTTPS.
   * @default true
   */
  readonly redirectHttp?: boolean;
}

/**
 * The gateway for traffic from outside the mesh: HTTPS on 443 with SIMPLE TLS from
 * the certificate in `credentialName`, and by default HTTP on 80 redirecting to HTTPS.
 */
export class IngressGateway extends EdgeGateway {
  /** The public hosts served. */
  public readonly hosts: readonly string[];

  public constructor(scope: Construct, id: string, props: IngressGatewayProps) {
    const servers: GatewayServer[] = [{
      port: { number: 443, name: 'https', protocol: 'HTTPS' },
      tls: GatewayTls.simple(props.credentialName),
      hosts: [...props.hosts],
    }];
    if (props.redirectHttp ?? true) {
      servers.push({ port: { number: 80, name: 'http', protocol: 'HTTP' }, tls: GatewayTls.httpsRedirect(), hosts: [...props.hosts] });
    }
    super(scope, id, { name: props.name, namespace: props.namespace, selector: props.selector, servers });
    this.hosts = [...props.hosts];
  }
}
