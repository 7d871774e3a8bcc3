import { Construct } from 'constructs';
import { Codes } from '../../core/codes';
import { formatProblem } from '../../core/errors';
import { dns1123LabelProblem } from '../../core/names';
import { EdgeGateway, GatewayPlacement } from './edge-gateway';
import { GatewayTls } from './gateway-tls';

/** Props for {@link MeshGateway}. */
export interface MeshGatewayProps extends GatewayPlacement {
  /** The namespaces served, one per tier (`k1s0-system`, `k1s0-business`, `k1s0-service`). */
  readonly tierNamespaces: string[];
  /**
   * The HTTPS port.
   * @default 443
   */
  readonly port?: number;
}

/**
 * The mesh-internal gateway of seed 003 (`k1s0-mesh-gateway`): one HTTPS server on
 * 443 with ISTIO_MUTUAL TLS, serving `*.<namespace>.svc.cluster.local` for each tier
 * namespace. It is not an entry for the outside world; VirtualServices bound to it
 * steer mesh traffic (canary weights, faults, mirroring, header routing).
 */
export class MeshGateway extends EdgeGateway {
  /** The tier namespaces served. */
  public readonly tierNamespaces: readonly string[];

  public constructor(scope: Construct, id: string, props: MeshGatewayProps) {
    super(scope, id, {
      name: props.name,
      namespace: props.namespace,
      selector: props.selector,
      servers: [{
        port: { number: props.port ?? 443, name: 'https', protocol: 'HTTPS' },
        tls: GatewayTls.istioMutual(),
        hosts: props.tierNamespaces.map((ns) => `*.${ns}.svc.cluster.local`),
      }],
    });
    this.tierNamespaces = [...props.tierNamespaces];
    this.node.addValidation({
      validate: () => this.tierNamespaces.flatMap((ns, i) => {
        const p = dns1123LabelProblem(ns);
        return p ? [formatProblem(Codes.INVALID_NAME, `tierNamespaces[${i}]: ${p}`)] : [];
      }),
    });
  }
}
