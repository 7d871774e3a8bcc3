import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';
import { Duration } from 'cdk8s';
import {
  DestinationRule, DestinationRuleSpec, DestinationRuleSpecSubsetsTrafficPolicyPortLevelSettingsTlsMode as SubsetTlsMode,
  DestinationRuleSpecTrafficPolicyPortLevelSettingsTlsMode as TlsMode, Gateway, GatewaySpec, GatewaySpecServersTlsMode,
  ServiceEntry, ServiceEntrySpec, ServiceEntrySpecLocation, ServiceEntrySpecResolution, VirtualService, VirtualServiceSpec,
} from '../../imports/networking.istio.io';
import { AuthorizationPolicy, AuthorizationPolicySpec, AuthorizationPolicySpecAction } from '../../imports/security.istio.io';
import type { Cidr } from '../core/cidr';
import { lazyWithoutUnset } from '../private/defined';
import { toIstioDuration } from '../core/duration';
import type { Retries } from '../core/retries';
import { renderRetries } from './traffic/http-route.render';
import type { ExternalPort, SimpleTlsOriginationOptions } from './interfaces';

/**
 * An `ExternalService` as its ServiceEntry and its TLS origination's DestinationRule read it: the
 * construct passes itself (this module does not import it, so that no import goes in a circle).
 */
export interface ExternalServiceSource {
  /** The hosts. */
  readonly hosts: readonly string[];
  /** How the sidecar finds the endpoints. */
  readonly resolution: 'DNS' | 'STATIC' | 'NONE';
  /** The ports, names and target ports worked out. */
  readonly ports: readonly Required<ExternalPort>[];
  /** The provider's known addresses. */
  readonly addresses: readonly Cidr[];
  /** @internal The namespaces that see it (`exportTo`), if restricted. */
  readonly _exportToList: string[] | undefined;
}

/**
 * The spec of an external service's ServiceEntry (location MESH_EXTERNAL). STATIC
 * resolution's endpoints are its addresses, a host address without its prefix length. With
 * resolution NONE the addresses (IPs or CIDR ranges) are the entry's `addresses`: the
 * sidecar then takes a connection to any of them for this entry (and keeps its original
 * destination), so a TCP port needs no other address to be told apart. istiod accepts CIDR
 * addresses only for NONE and STATIC resolution (istio/istio pkg/config/validation/validation.go
 * `ValidateServiceEntry`); with DNS resolution the provider's addresses stay the callers'
 * NetworkPolicy `ipBlock`s only.
 * @see https://istio.io/latest/docs/reference/config/networking/service-entry/
 */
export function renderServiceEntrySpec(state: ExternalServiceSource): ServiceEntrySpec {
  return {
    hosts: [...state.hosts],
    addresses: state.resolution === 'NONE' && state.addresses.length > 0 ? state.addresses.map((a) => a.value) : undefined,
    // https://istio.io/latest/docs/reference/config/networking/service-entry/#ServiceEntry-Location
    location: ServiceEntrySpecLocation.MESH_UNDERSCORE_EXTERNAL,
    resolution: ServiceEntrySpecResolution[state.resolution],
    ports: state.ports.map((p) => ({
      name: p.name,
      number: p.number,
      protocol: p.protocol,
      targetPort: p.targetPort !== p.number ? p.targetPort : undefined,
    })),
    endpoints: state.resolution === 'STATIC' ? state.addresses.map((a) => ({ address: a.value.replace(/\/(32|128)$/, '') })) : undefined,
    exportTo: state._exportToList,
  };
}

/** A ServiceEntry under `scope` (id `id`), rendered from `state`. */
export function addServiceEntry(scope: Construct, id: string, metadata: ApiObjectMetadata, state: ExternalServiceSource): ApiObject {
  return new ServiceEntry(scope, id, { metadata, spec: renderServiceEntrySpec(state) });
}

/** Mutual TLS from a Secret, for the pods of one caller. */
export interface MutualTlsSource {
  /** The Secret of the client certificate, its key and the CA certificates. */
  readonly credentialName: string;
  /** The labels that select the caller's pods. */
  readonly podLabels: Readonly<Record<string, string>>;
}

/**
 * The spec of the DestinationRule that originates TLS on one port: one-way (SIMPLE), or mutual (MUTUAL) with the certificates
 * of a Secret for the pods `mutual` selects. A sidecar gets a Secret's certificates only from a rule with a workloadSelector:
 * for one without, istiod builds the cluster without TLS (istio/istio pilot/pkg/networking/core/cluster_tls.go,
 * buildUpstreamClusterTLSContext). A rule with a selector is not exported: it applies to its own namespace's pods alone.
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#ClientTLSSettings
 * @see https://istio.io/latest/docs/tasks/traffic-management/egress/egress-tls-origination/
 */
export function renderTlsOriginationSpec(
  external: ExternalServiceSource, tls: SimpleTlsOriginationOptions, mutual?: MutualTlsSource,
): DestinationRuleSpec {
  // The SNI defaults to the first host, and the certificate must name the SNI.
  const sni = tls.sni ?? external.hosts[0];
  return {
    host: external.hosts[0],
    exportTo: mutual ? ['.'] : external._exportToList,
    workloadSelector: mutual ? { matchLabels: mutual.podLabels } : undefined,
    trafficPolicy: {
      portLevelSettings: [{
        port: { number: tls.port },
        tls: {
          mode: mutual ? TlsMode.MUTUAL : TlsMode.SIMPLE,
          credentialName: mutual?.credentialName,
          sni,
          caCertificates: tls.caCertificates,
          subjectAltNames: [...(tls.subjectAltNames ?? [sni])],
        },
      }],
    },
  };
}

/** A DestinationRule originating TLS (`tls`) towards `external`'s first host, under `scope` (id `id`). */
export function addTlsOriginationRule(
  scope: Construct, id: string, metadata: ApiObjectMetadata, external: ExternalServiceSource, tls: SimpleTlsOriginationOptions,
  mutual?: MutualTlsSource,
): ApiObject {
  return new DestinationRule(scope, id, { metadata, spec: renderTlsOriginationSpec(external, tls, mutual) });
}

/** What the VirtualService of an external host reads: its host, the ports the sidecar sees HTTP on, the timeout and retries. */
export interface ExternalRouteSource extends ExternalServiceSource {
  /** How long a caller's sidecar waits for the host's answer. */
  readonly timeout?: Duration;
  /** How the caller's sidecar retries the host. */
  readonly retries?: Retries;
  /** @internal The ports the sidecar reads HTTP on: HTTP, HTTP2 and GRPC ports. */
  readonly _httpPorts: readonly number[];
}

/**
 * The spec of the VirtualService that gives calls to an external host a timeout and retries:
 * one HTTP route per HTTP port (matched by port when there are several, so that each goes to
 * its own port), to the host itself, which its ServiceEntry resolves.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute
 * @see https://istio.io/latest/docs/tasks/traffic-management/egress/egress-control/#manage-traffic-to-external-services
 */
export function renderExternalRouteSpec(external: ExternalRouteSource): VirtualServiceSpec {
  const host = external.hosts[0];
  const several = external._httpPorts.length > 1;
  return {
    hosts: [host],
    exportTo: external._exportToList,
    http: external._httpPorts.map((port) => ({
      match: several ? [{ port }] : undefined,
      route: [{ destination: { host, port: { number: port } } }],
      timeout: external.timeout ? toIstioDuration(external.timeout) : undefined,
      retries: renderRetries(external.retries),
    })),
  };
}

/** The VirtualService of an external host (timeout and retries), under `scope` (id `id`), rendered at synth. */
export function addExternalRoute(scope: Construct, id: string, metadata: ApiObjectMetadata, external: ExternalRouteSource): ApiObject {
  return new VirtualService(scope, id, { metadata, spec: renderExternalRouteSpec(external) });
}

/** How the egress gateway carries a port: plain HTTP (`http`), or the application's TLS (`tls`). */
export type EgressPortKind = 'http' | 'tls';

/** What the objects of an external service called through the egress gateway read of it. */
export interface EgressRouteSource extends ExternalRouteSource {
  /** The ServiceEntry's name: the subset's, and the objects' prefix. */
  readonly name: string;
  /** Its namespace: the callers'. */
  readonly namespace: string;
  /** @internal Each port the gateway carries, and how. */
  readonly _egressPorts: readonly { readonly port: Required<ExternalPort>; readonly kind: EgressPortKind }[];
  /** @internal The callers' mTLS principals, sorted. */
  readonly _callerPrincipals: readonly string[];
}

/** The egress gateway as its objects read it (the platform's `egressGateway`). */
export interface EgressGatewaySource {
  readonly name: string;
  readonly namespace: string;
  readonly host: string;
  readonly selector: Readonly<Record<string, string>>;
  readonly serviceSelector: Readonly<Record<string, string>>;
  readonly httpPort: number;
  readonly httpsPort: number;
  readonly httpServicePort: number;
  readonly httpsServicePort: number;
}

/** The gateway Service's port for a kind of port, and the pods' port behind it. */
function gatewayPorts(gw: EgressGatewaySource, kind: EgressPortKind): { service: number; pod: number } {
  return kind === 'http' ? { service: gw.httpServicePort, pod: gw.httpPort } : { service: gw.httpsServicePort, pod: gw.httpsPort };
}

/** The name of the Gateway (and of the gateway's VirtualService) of an external service called through the egress gateway. */
export function egressGatewayName(external: { readonly name: string }): string {
  return `${external.name}-egress`;
}

/**
 * The Gateway on the egress gateway's pods for the host: one server per kind of port, on the gateway Service's port, terminating
 * the callers' Istio mTLS (`ISTIO_MUTUAL`, matched by the SNI the callers' DestinationRule sends: the host). A TLS server forwards
 * the application's own TLS inside as TCP; an HTTPS server reads the plain HTTP inside.
 * @see https://istio.io/latest/docs/tasks/traffic-management/egress/egress-gateway-tls-origination/
 */
export function renderEgressGatewaySpec(external: EgressRouteSource, gw: EgressGatewaySource): GatewaySpec {
  const kinds = [...new Set(external._egressPorts.map((p) => p.kind))].sort();
  return {
    selector: { ...gw.selector },
    servers: kinds.map((kind) => ({
      port: {
        number: gatewayPorts(gw, kind).service, name: kind === 'http' ? 'https-egress' : 'tls-egress', protocol: kind === 'http' ? 'HTTPS' : 'TLS',
      },
      hosts: [external.hosts[0]],
      tls: { mode: GatewaySpecServersTlsMode.ISTIO_UNDERSCORE_MUTUAL },
    })),
  };
}

/**
 * The subset of the egress gateway's Service for one external service: its connections carry Istio mTLS with the host as SNI, by
 * which the gateway's server for the host takes them (and which its AuthorizationPolicy reads as `connection.sni`).
 */
export function egressSubset(external: EgressRouteSource, gw: EgressGatewaySource): NonNullable<DestinationRuleSpec['subsets']>[number] {
  const kinds = [...new Set(external._egressPorts.map((p) => p.kind))].sort();
  return {
    name: external.name,
    trafficPolicy: {
      portLevelSettings: kinds.map((kind) => ({
        port: { number: gatewayPorts(gw, kind).service },
        tls: { mode: SubsetTlsMode.ISTIO_UNDERSCORE_MUTUAL, sni: external.hosts[0] },
      })),
    },
  };
}

/**
 * The DestinationRule of the egress gateway's Service for the callers of a namespace: one subset per external service called
 * through it, exported to the namespace alone (a sidecar finds it in its own namespace first).
 */
export function renderEgressGatewayRuleSpec(externals: readonly EgressRouteSource[], gw: EgressGatewaySource): DestinationRuleSpec {
  return {
    host: gw.host,
    exportTo: ['.'],
    subsets: [...externals].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((e) => egressSubset(e, gw)),
  };
}

/** The DestinationRule of the egress gateway's Service for `externals` (read at synth), under `scope`. */
export function addEgressGatewayRule(
  scope: Construct, id: string, metadata: ApiObjectMetadata, externals: () => readonly EgressRouteSource[], gw: EgressGatewaySource,
): ApiObject {
  return new DestinationRule(scope, id, { metadata, spec: lazyWithoutUnset(() => renderEgressGatewayRuleSpec(externals(), gw)) });
}

/**
 * The callers' VirtualService for the host (`mesh`): each port to the egress gateway's Service, on the gateway's port of its kind,
 * in the external service's subset (HTTP by port, with the timeout and retries; TLS by port and SNI). Exported to the namespace
 * alone: the callers are there, and each environment routes its own.
 */
export function renderEgressMeshRouteSpec(external: EgressRouteSource, gw: EgressGatewaySource): VirtualServiceSpec {
  const host = external.hosts[0];
  const to = (kind: EgressPortKind) => [{ destination: { host: gw.host, subset: external.name, port: { number: gatewayPorts(gw, kind).service } } }];
  const http = external._egressPorts.filter((p) => p.kind === 'http');
  const tls = external._egressPorts.filter((p) => p.kind === 'tls');
  return {
    hosts: [host],
    exportTo: ['.'],
    http: http.length > 0 ? http.map((p) => ({
      match: [{ port: p.port.number }],
      route: to('http'),
      timeout: external.timeout ? toIstioDuration(external.timeout) : undefined,
      retries: renderRetries(external.retries),
    })) : undefined,
    tls: tls.length > 0 ? tls.map((p) => ({ match: [{ port: p.port.number, sniHosts: [host] }], route: to('tls') })) : undefined,
  };
}

/**
 * The egress gateway's VirtualService for the host, bound to the external service's Gateway alone and exported to the gateway's
 * namespace (istiod gives a gateway the VirtualServices exported to its proxy's namespace): from the gateway's port of each kind
 * to the host's port (HTTP routes; the TLS inside the terminated mTLS as TCP).
 */
export function renderEgressGatewayRouteSpec(
  external: EgressRouteSource, gw: EgressGatewaySource, gatewayName = egressGatewayName(external),
): VirtualServiceSpec {
  const host = external.hosts[0];
  const http = external._egressPorts.filter((p) => p.kind === 'http');
  const tls = external._egressPorts.filter((p) => p.kind === 'tls');
  return {
    hosts: [host],
    gateways: [gatewayName],
    exportTo: [gw.namespace],
    http: http.length > 0
      ? http.map((p) => ({ match: [{ port: gw.httpServicePort }], route: [{ destination: { host, port: { number: p.port.number } } }] }))
      : undefined,
    tcp: tls.length > 0
      ? tls.map((p) => ({ match: [{ port: gw.httpsServicePort }], route: [{ destination: { host, port: { number: p.port.number } } }] }))
      : undefined,
  };
}

/**
 * The egress gateway's AuthorizationPolicy for the host: an ALLOW rule for the callers' principals, on the pods' ports behind the
 * gateway's ports of the host, for connections whose SNI is the host (`connection.sni`: the server name of the callers' mTLS).
 * Istio denies a request to a workload that ALLOW policies select unless one of them allows it, so another workload of the mesh
 * is refused at the gateway; with no caller yet, the policy allows nothing.
 * @see https://istio.io/latest/docs/reference/config/security/conditions/
 */
export function renderEgressGatewayPolicySpec(external: EgressRouteSource, gw: EgressGatewaySource): AuthorizationPolicySpec {
  const ports = [...new Set(external._egressPorts.map((p) => gatewayPorts(gw, p.kind).pod))].sort((a, b) => a - b).map(String);
  const principals = [...external._callerPrincipals];
  return {
    selector: { matchLabels: { ...gw.serviceSelector } },
    action: AuthorizationPolicySpecAction.ALLOW,
    rules: principals.length > 0 ? [{
      from: [{ source: { principals } }],
      to: [{ operation: { ports } }],
      when: [{ key: 'connection.sni', values: [external.hosts[0]] }],
    }] : undefined,
  };
}

/**
 * The objects of an external service called through the egress gateway, under `scope`: the Gateway, the callers' and the gateway's
 * VirtualServices and the gateway's AuthorizationPolicy (in the gateway's namespace). The DestinationRule of the gateway's
 * Service is the namespace's, one for every such external service of the chart ({@link addEgressGatewayRule}).
 */
export function addEgressGatewayObjects(
  scope: Construct, metadata: ApiObjectMetadata & { name: string; namespace: string }, external: EgressRouteSource, gw: EgressGatewaySource,
): void {
  const egressName = egressGatewayName(external);
  const [gatewayId, routeId] = egressGatewayServerIds('');
  new Gateway(scope, gatewayId, {
    metadata: { ...metadata, name: egressName }, spec: lazyWithoutUnset(() => renderEgressGatewaySpec(external, gw)),
  });
  new VirtualService(scope, 'VirtualService', { metadata, spec: lazyWithoutUnset(() => renderEgressMeshRouteSpec(external, gw)) });
  new VirtualService(scope, routeId, {
    metadata: { ...metadata, name: egressName }, spec: lazyWithoutUnset(() => renderEgressGatewayRouteSpec(external, gw)),
  });
  new AuthorizationPolicy(scope, 'EgressGatewayPolicy', {
    metadata: { ...metadata, name: `${metadata.namespace}-${egressName}`, namespace: gw.namespace },
    spec: lazyWithoutUnset(() => renderEgressGatewayPolicySpec(external, gw)),
  });
}

/** The ids of the Gateway and the gateway's VirtualService of a host under their scope, after `suffix`. */
export function egressGatewayServerIds(suffix: string): [string, string] {
  return [`EgressGateway${suffix}`, `EgressGatewayRoute${suffix}`];
}

/**
 * The host's Gateway on the egress gateway's pods and the gateway's VirtualService bound to it alone (named as the Gateway, in its
 * namespace, exported to the gateway's), under `scope`: an external service's own, in its namespace, or the one the app writes once
 * for a host that several of its environments route through the gateway, in the gateway's namespace. istiod keeps one TLS server per
 * host and port of the gateway's pods (a later Gateway's is skipped, "duplicate host names": pilot/pkg/model/gateway.go,
 * MergeGateways) and the first VirtualService whose TCP route matches it (pilot/pkg/networking/core/gateway.go,
 * buildGatewayNetworkFiltersFromTCPRoutes), so the host has one of each on the gateway.
 */
export function addEgressGatewayServer(
  scope: Construct, suffix: string, metadata: ApiObjectMetadata & { name: string; namespace: string }, external: EgressRouteSource,
  gw: EgressGatewaySource,
): void {
  const [gatewayId, routeId] = egressGatewayServerIds(suffix);
  new Gateway(scope, gatewayId, { metadata, spec: lazyWithoutUnset(() => renderEgressGatewaySpec(external, gw)) });
  new VirtualService(scope, routeId, { metadata, spec: lazyWithoutUnset(() => renderEgressGatewayRouteSpec(external, gw, metadata.name)) });
}
