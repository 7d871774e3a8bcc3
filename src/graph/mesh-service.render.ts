import { ApiObject, ApiObjectMetadata, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { DestinationRule, DestinationRuleSpec, VirtualService, VirtualServiceSpec } from '../../imports/networking.istio.io';
import type { HostTraffic } from './traffic/host-traffic';
import { HostRenderContext, renderDestinationRuleSpec, renderVirtualServiceSpec } from './traffic/host-traffic.render';

/** What a service's host objects (its DestinationRule and VirtualService) are rendered from. */
export interface ServiceHostState {
  /** Every contribution to the host's traffic. */
  readonly traffic: HostTraffic;
  /** The resolved settings, ports and default split. */
  readonly context: HostRenderContext;
  /** The namespaces that see the objects (`exportTo`), if restricted. */
  readonly exportTo?: string[];
}

/**
 * The spec of a service's one DestinationRule: every contribution to its host, with the
 * service's exportTo.
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/
 */
export function renderServiceDestinationRuleSpec(state: ServiceHostState): DestinationRuleSpec {
  return { ...renderDestinationRuleSpec(state.traffic, state.context), exportTo: state.exportTo };
}

/**
 * The spec of a service's one VirtualService: every contribution to its host, with the
 * service's exportTo.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/
 */
export function renderServiceVirtualServiceSpec(state: ServiceHostState): VirtualServiceSpec {
  return { ...renderVirtualServiceSpec(state.traffic, state.context), exportTo: state.exportTo };
}

/** A service's DestinationRule under `scope` (id `id`), its spec rendered at synth from `state()`. */
export function addServiceDestinationRule(scope: Construct, id: string, metadata: ApiObjectMetadata, state: () => ServiceHostState): ApiObject {
  return new DestinationRule(scope, id, { metadata, spec: Lazy.any({ produce: () => renderServiceDestinationRuleSpec(state()) }) });
}

/** A service's VirtualService under `scope` (id `id`), its spec rendered at synth from `state()`. */
export function addServiceVirtualService(scope: Construct, id: string, metadata: ApiObjectMetadata, state: () => ServiceHostState): ApiObject {
  return new VirtualService(scope, id, { metadata, spec: Lazy.any({ produce: () => renderServiceVirtualServiceSpec(state()) }) });
}
