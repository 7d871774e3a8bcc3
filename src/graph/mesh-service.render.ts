import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';
import { DestinationRule, DestinationRuleSpec, VirtualService, VirtualServiceSpec } from '../../imports/networking.istio.io';
import type { HostTraffic } from './traffic/host-traffic';
import { HostRenderContext, renderDestinationRuleSpec, renderVirtualServiceSpec } from './traffic/host-traffic.render';
import { lazyWithoutUnset } from '../private/defined';

/**
 * A `MeshService` as its host's DestinationRule and VirtualService read it: the construct passes
 * itself (this module does not import it, so that no import goes in a circle).
 */
export interface MeshServiceSource {
  /** Every contribution to the host's traffic. */
  readonly traffic: HostTraffic;
  /** @internal The resolved settings (tier under service), ports and default split, at synth. */
  _hostContext(): HostRenderContext;
  /** @internal The namespaces that see the objects (`exportTo`), if restricted. */
  readonly _exportToList?: string[];
}

/**
 * The spec of a service's one DestinationRule: every contribution to its host, with the
 * service's exportTo.
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/
 */
export function renderServiceDestinationRuleSpec(service: MeshServiceSource): DestinationRuleSpec {
  return { ...renderDestinationRuleSpec(service.traffic, service._hostContext()), exportTo: service._exportToList };
}

/**
 * The spec of a service's one VirtualService: every contribution to its host, with the
 * service's exportTo.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/
 */
export function renderServiceVirtualServiceSpec(service: MeshServiceSource): VirtualServiceSpec {
  return { ...renderVirtualServiceSpec(service.traffic, service._hostContext()), exportTo: service._exportToList };
}

/** A service's DestinationRule under `scope` (id `id`), its spec rendered from `service` at synth. */
export function addServiceDestinationRule(scope: Construct, id: string, metadata: ApiObjectMetadata, service: MeshServiceSource): ApiObject {
  return new DestinationRule(scope, id, { metadata, spec: lazyWithoutUnset(() => renderServiceDestinationRuleSpec(service)) });
}

/** A service's VirtualService under `scope` (id `id`), its spec rendered from `service` at synth. */
export function addServiceVirtualService(scope: Construct, id: string, metadata: ApiObjectMetadata, service: MeshServiceSource): ApiObject {
  return new VirtualService(scope, id, { metadata, spec: lazyWithoutUnset(() => renderServiceVirtualServiceSpec(service)) });
}
