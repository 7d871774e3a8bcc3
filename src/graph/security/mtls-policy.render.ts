import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';
import {
  PeerAuthentication, PeerAuthenticationSpec, PeerAuthenticationSpecMtlsMode as Mode, PeerAuthenticationSpecPortLevelMtlsMode as PortMode,
} from '../../../imports/security.istio.io';
import type { MtlsModeName } from './mtls-mode';
import { lazyWithoutUnset } from '../../private/defined';

/**
 * The PeerAuthentication of an `MtlsPolicy` (the mesh's, a namespace's or a workload's), built at synth.
 */

/**
 * An `MtlsPolicy` as its PeerAuthentication reads it: the construct passes itself (this module does
 * not import it, so that no import goes in a circle).
 */
export interface MtlsPolicySource {
  /** The selected pods' labels; none for a namespace's or the mesh's policy. */
  readonly selector?: Readonly<Record<string, string>>;
  /** The mode for ports not listed per port. */
  readonly mode: { readonly mode: MtlsModeName };
  /** Modes per container port. */
  readonly portLevelMtls: Readonly<Record<number, { readonly mode: MtlsModeName }>>;
}

/**
 * The spec of a PeerAuthentication, its ports in numeric order.
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
 */
export function renderPeerAuthenticationSpec(s: MtlsPolicySource): PeerAuthenticationSpec {
  const ports = Object.keys(s.portLevelMtls).map(Number).sort((a, b) => a - b);
  return {
    selector: s.selector ? { matchLabels: { ...s.selector } } : undefined,
    mtls: { mode: s.mode.mode as Mode },
    portLevelMtls: ports.length > 0
      ? Object.fromEntries(ports.map((p) => [String(p), { mode: s.portLevelMtls[p].mode as PortMode }]))
      : undefined,
  };
}

/** The PeerAuthentication (security.istio.io/v1) of `policy`, under `scope`, its spec read at synth. */
export function addPeerAuthentication(scope: Construct, id: string, metadata: ApiObjectMetadata, policy: MtlsPolicySource): ApiObject {
  return new PeerAuthentication(scope, id, { metadata, spec: lazyWithoutUnset(() => renderPeerAuthenticationSpec(policy)) });
}
