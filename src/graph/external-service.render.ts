import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';
import {
  DestinationRule, DestinationRuleSpec, DestinationRuleSpecTrafficPolicyPortLevelSettingsTlsMode,
  ServiceEntry, ServiceEntrySpec, ServiceEntrySpecLocation, ServiceEntrySpecResolution,
} from '../../imports/networking.istio.io';
import type { Cidr } from '../core/cidr';
import type { ExternalPort } from './interfaces';

/** What an external service's ServiceEntry is rendered from: the construct's resolved state. */
export interface ServiceEntryState {
  /** The hosts. */
  readonly hosts: readonly string[];
  /** How the sidecar finds the endpoints. */
  readonly resolution: 'DNS' | 'STATIC' | 'NONE';
  /** The ports, names and target ports worked out. */
  readonly ports: readonly Required<ExternalPort>[];
  /** The provider's known addresses. */
  readonly addresses: readonly Cidr[];
  /** The namespaces that see it (`exportTo`), if restricted. */
  readonly exportTo?: string[];
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
export function renderServiceEntrySpec(state: ServiceEntryState): ServiceEntrySpec {
  return {
    hosts: [...state.hosts],
    addresses: state.resolution === 'NONE' && state.addresses.length > 0 ? state.addresses.map((a) => a.value) : undefined,
    // https://istio.io/latest/docs/reference/config/networking/service-entry/#ServiceEntry-Location
    location: ServiceEntrySpecLocation.MESH_UNDERSCORE_EXTERNAL,
    resolution: ServiceEntrySpecResolution[state.resolution],
    ports: state.ports.map((p) => ({ name: p.name, number: p.number, protocol: p.protocol, targetPort: p.targetPort !== p.number ? p.targetPort : undefined })),
    endpoints: state.resolution === 'STATIC' ? state.addresses.map((a) => ({ address: a.value.replace(/\/(32|128)$/, '') })) : undefined,
    exportTo: state.exportTo,
  };
}

/** A ServiceEntry under `scope` (id `id`), rendered from `state`. */
export function addServiceEntry(scope: Construct, id: string, metadata: ApiObjectMetadata, state: ServiceEntryState): ApiObject {
  return new ServiceEntry(scope, id, { metadata, spec: renderServiceEntrySpec(state) });
}

/** What the DestinationRule of TLS origination towards an external host is rendered from. */
export interface TlsOriginationState {
  /** The host (the external service's first). */
  readonly host: string;
  /** The ServiceEntry port on which the sidecar originates TLS. */
  readonly port: number;
  /** The SNI the sidecar presents. */
  readonly sni: string;
  /** The CA bundle in the sidecar, if not the system's. */
  readonly caCertificates?: string;
  /** The names the provider's certificate must carry. */
  readonly subjectAltNames: readonly string[];
  /** The namespaces that see it (`exportTo`), if restricted. */
  readonly exportTo?: string[];
}

/**
 * The spec of the DestinationRule that originates one-way TLS (SIMPLE) on one port.
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#ClientTLSSettings
 * @see https://istio.io/latest/docs/tasks/traffic-management/egress/egress-tls-origination/
 */
export function renderTlsOriginationSpec(state: TlsOriginationState): DestinationRuleSpec {
  return {
    host: state.host,
    exportTo: state.exportTo,
    trafficPolicy: {
      portLevelSettings: [{
        port: { number: state.port },
        tls: {
          mode: DestinationRuleSpecTrafficPolicyPortLevelSettingsTlsMode.SIMPLE,
          sni: state.sni,
          caCertificates: state.caCertificates,
          subjectAltNames: [...state.subjectAltNames],
        },
      }],
    },
  };
}

/** A DestinationRule originating TLS under `scope` (id `id`), rendered from `state`. */
export function addTlsOriginationRule(scope: Construct, id: string, metadata: ApiObjectMetadata, state: TlsOriginationState): ApiObject {
  return new DestinationRule(scope, id, { metadata, spec: renderTlsOriginationSpec(state) });
}
