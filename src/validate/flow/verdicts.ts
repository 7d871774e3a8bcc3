import { Manifest } from '../finding';
import { FlowDecider, FlowLayer, FlowVerdict } from './flow';

/** A refused verdict: the resource that decides, why, and the hops so far. */
export function refused(decidedBy: FlowDecider, reason: string, hops: readonly string[]): FlowVerdict {
  return { allowed: false, decidedBy, reason, hops: [...hops] };
}

/** The decider of `layer`: manifest `m`, or the default when no resource decides. */
export function decider(layer: FlowLayer, m: Manifest | undefined): FlowDecider {
  if (!m) return { layer, kind: 'none', name: '(default)' };
  return {
    layer,
    kind: String(m.kind),
    namespace: m.metadata?.namespace === undefined ? undefined : String(m.metadata.namespace),
    name: String(m.metadata?.name),
  };
}
