import { Construct } from 'constructs';
import { Codes } from '../../core/codes';
import { formatProblem } from '../../core/errors';
import { Labels, MANAGED_BY } from '../../core/labels';
import { dns1123LabelProblem } from '../../core/names';
import type { PortProtocol } from '../../core/ports';
import { MeshChart } from '../../graph/mesh-chart';
import { integerProblems } from '../../private/checks';
import type { IRoutedService } from '../../graph/mesh-service-props';
import { ServiceSecurity } from '../../graph/security/service-security';
import { credentialSecretProblems } from '../../private/gateway-secrets';
import { addGateway } from './edge-gateway.render';
import { GatewayTls } from './gateway-tls';
import { addProblems } from '../../private/construct-problems';

/** The port a gateway server listens on. */
export interface GatewayPort {
  /** The port number. */
  readonly number: number;
  /** The port's name, unique in the gateway (`https`). Istio requires one. */
  readonly name: string;
  /** The protocol exposed. */
  readonly protocol: PortProtocol;
}

/**
 * One server of a gateway: a port, the hosts it serves and its TLS.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/#Server
 */
export interface GatewayServer {
  /** The port. */
  readonly port: GatewayPort;
  /** The hosts served (`shop.example.com`, `*.production.svc.cluster.local`). */
  readonly hosts: string[];
  /**
   * TLS settings; required for HTTPS and TLS servers.
   * @default - none
   */
  readonly tls?: GatewayTls;
}

/** Where a Gateway lives and which gateway pods serve it; common to every gateway construct. */
export interface GatewayPlacement {
  /**
   * The Gateway's name.
   * @default - the construct's id
   */
  readonly name?: string;
  /**
   * The Gateway's namespace.
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /**
   * Labels of the gateway pods (Envoy deployments) that serve it; they run in the
   * platform's ingress gateway namespace, as that gateway's ServiceAccount.
   * @default - the platform's gateway selector (`MeshChart.platform.ingressGateway.selector`)
   */
  readonly selector?: Record<string, string>;
}

/** Props for {@link EdgeGateway}. */
export interface EdgeGatewayProps extends GatewayPlacement {
  /** The servers. */
  readonly servers: GatewayServer[];
}

const HOST = /^(\*|(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$/;

/**
 * An Istio Gateway. Services are bound to it with {@link EdgeGateway.bind}, which adds
 * the gateway (and the hosts served through it) to the service's one VirtualService,
 * next to `mesh`: a host never gets a second VirtualService.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/
 */
export class EdgeGateway extends Construct {
  /** The Gateway's name. */
  public readonly name: string;
  /** The Gateway's namespace. */
  public readonly namespace: string;
  /** The servers. */
  public readonly servers: readonly GatewayServer[];

  /** Labels of the gateway pods that serve it. */
  public readonly selector: Readonly<Record<string, string>>;

  public constructor(scope: Construct, id: string, props: EdgeGatewayProps) {
    super(scope, id);
    this.name = props.name ?? id;
    this.namespace = props.namespace ?? MeshChart.of(this).namespace;
    this.servers = Object.freeze([...props.servers]);
    this.selector = Object.freeze({ ...(props.selector ?? MeshChart.of(this).platform.ingressGateway.selector) });
    addGateway(this, 'Resource', { name: this.name, namespace: this.namespace, labels: { [Labels.MANAGED_BY]: MANAGED_BY } }, this);
    addProblems(this, () => this.problems());
  }

  /** `namespace/name`, as VirtualServices name the gateway. */
  public get ref(): string {
    return `${this.namespace}/${this.name}`;
  }

  /**
   * Serves `service` through this gateway: its VirtualService is bound to the gateway as
   * well as to the mesh, and also answers for `hosts` (`shop.example.com`).
   */
  public bind(service: IRoutedService, hosts: string[] = []): void {
    service.traffic.bindGateway(this, this.ref, hosts);
    this.admit(service, undefined);
  }

  /**
   * Lets the gateway pods reach `service`: NetworkPolicy ingress from the pods (the
   * platform's gateway namespace AND, for the platform's gateway, its Service's selector, else
   * this gateway's selector) and an ALLOW rule for the gateway's principal on `paths` (all when undefined).
   */
  protected admit(service: IRoutedService, paths: string[] | undefined): void {
    const platform = MeshChart.of(this).platform;
    ServiceSecurity.of(service).admitGateway({
      peer: { namespace: platform.ingressGateway.namespace, podLabels: platform.ingressGatewayPeerLabels(this.selector) },
      principal: platform.ingressGatewayPrincipal,
      paths,
    });
  }

  private problems(): string[] {
    const out: string[] = [];
    const nameProblem = dns1123LabelProblem(this.name);
    if (nameProblem) out.push(formatProblem(Codes.INVALID_NAME, `name: ${nameProblem}`));
    if (this.servers.length === 0) out.push(formatProblem(Codes.GATEWAY_HOSTS, 'servers: a gateway needs at least one server'));
    // The platform's gateway pods read the TLS Secrets in their own namespace (MESH665).
    const platformGateway = MeshChart.of(this).platform.ingressGateway;
    if (Object.entries(this.selector).every(([k, v]) => platformGateway.podLabels[k] === v)) {
      out.push(...credentialSecretProblems(this, this.servers.flatMap((s) => s.tls?.credentialName ?? []), platformGateway.namespace));
    }
    const names = new Set<string>();
    this.servers.forEach((s, i) => {
      const field = `servers[${i}]`;
      if (!s.port.name) {
        out.push(formatProblem(Codes.GATEWAY_PORT_NAME, `${field}.port.name: a gateway server's port needs a name (port ${s.port.number})`));
      } else if (names.has(s.port.name)) {
        out.push(formatProblem(Codes.DUPLICATE_ENTRY, `${field}.port.name: '${s.port.name}' is used twice`));
      }
      names.add(s.port.name);
      out.push(...integerProblems({ [`${field}.port.number`]: s.port.number }, 1, 65535));
      if (s.hosts.length === 0) out.push(formatProblem(Codes.GATEWAY_HOSTS, `${field}.hosts: a server needs at least one host`));
      for (const h of s.hosts) {
        const bare = h.includes('/') ? h.slice(h.indexOf('/') + 1) : h;
        if (!HOST.test(bare)) out.push(formatProblem(Codes.GATEWAY_HOSTS, `${field}.hosts: '${h}' is not a host name Istio accepts`));
      }
      const secure = s.port.protocol === 'HTTPS' || s.port.protocol === 'TLS';
      // Istio's Gateway reference: tls is required for HTTPS and TLS servers; httpsRedirect is an HTTP server's.
      // https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings
      if (secure && !s.tls?.forTlsPort) {
        out.push(
          formatProblem(
            Codes.GATEWAY_TLS,
            `${field}.tls: a ${s.port.protocol} server needs tls settings (a mode and, except for ISTIO_MUTUAL and PASSTHROUGH, a credentialName)`,
          ),
        );
      }
      if (!secure && s.tls?.forTlsPort) {
        out.push(
          formatProblem(
            Codes.GATEWAY_TLS,
            `${field}.tls: a ${s.port.protocol} server does not terminate TLS; use an HTTPS or TLS port, or GatewayTls.httpsRedirect()`,
          ),
        );
      }
    });
    return out;
  }
}
