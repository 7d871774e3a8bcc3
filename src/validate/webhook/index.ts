/**
 * istiod's validating webhook (istio/istio pkg/config/validation): the per-object checks
 * the CRD schema and its CEL rules do not make, for every Istio kind the library emits or
 * the validator accepts. One implementation, run by the validator over plain YAML and by
 * synth over rendered output (both through validateManifests).
 */
import { DEFAULT_ISTIO_VERSION, IstioVersion } from '../../core/istio-version';
import { Finding, Manifest } from '../finding';
import { authorizationPolicy, peerAuthentication, requestAuthentication, telemetry, wasmPlugin } from './security';
import type { Report } from './report';
import { collector, destinationRule, envoyFilter, gateway, serviceEntry, sidecar, virtualService } from './traffic';

const BY_KIND: Record<string, { group: string; check: (m: Manifest, report: Report) => void }> = {
  VirtualService: { group: 'networking.istio.io', check: virtualService },
  DestinationRule: { group: 'networking.istio.io', check: destinationRule },
  Gateway: { group: 'networking.istio.io', check: gateway },
  ServiceEntry: { group: 'networking.istio.io', check: serviceEntry },
  Sidecar: { group: 'networking.istio.io', check: sidecar },
  EnvoyFilter: { group: 'networking.istio.io', check: envoyFilter },
  AuthorizationPolicy: { group: 'security.istio.io', check: authorizationPolicy },
  PeerAuthentication: { group: 'security.istio.io', check: peerAuthentication },
  RequestAuthentication: { group: 'security.istio.io', check: requestAuthentication },
  Telemetry: { group: 'telemetry.istio.io', check: telemetry },
  WasmPlugin: { group: 'extensions.istio.io', check: wasmPlugin },
};

/** The Istio kinds the webhook checks. */
export const WEBHOOK_KINDS: readonly string[] = Object.keys(BY_KIND);

/** What istiod's webhook would reject (errors) or warn about in `m`; nothing for other kinds. */
export function checkWebhook(m: Manifest, _version: IstioVersion = DEFAULT_ISTIO_VERSION): Finding[] {
  const entry = BY_KIND[String(m?.kind)];
  if (!entry || !String(m?.apiVersion ?? '').startsWith(`${entry.group}/`)) return [];
  const { out, report } = collector(m);
  entry.check(m, report);
  return out;
}
