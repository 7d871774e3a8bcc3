/**
 * istiod's validating webhook (istio/istio pkg/config/validation, at the release the cluster
 * runs): the per-object checks the CRD schema and its CEL rules do not make, for every Istio kind
 * the library emits or the validator accepts. One implementation, run by the validator over plain
 * YAML and by synth over rendered output (both through validateManifests, which runs it only on
 * objects the API server's own checks admitted, as kube-apiserver does). Errors are what istiod
 * refuses; warnings (MESH177 and the kind's own) are what it admits with a warning.
 */
import { DEFAULT_ISTIO_VERSION, IstioVersion } from '../../core/istio-version';
import { Finding, finding, Manifest } from '../finding';
import { destinationRule } from './destination-rule';
import { envoyFilter } from './envoy-filter';
import { gateway } from './gateway';
import { metadata } from './metadata';
import type { Report, WebhookScope } from './report';
import { authorizationPolicy, peerAuthentication, requestAuthentication } from './security';
import { serviceEntry } from './service-entry';
import { sidecar } from './sidecar';
import { telemetry, wasmPlugin } from './telemetry';
import { entries, obj, str } from '../values';
import { virtualService } from './virtual-service';
import { proxyConfig, workloadEntryKind, workloadGroup } from './workload-entry';

type Check = (m: Manifest, report: Report, scope: WebhookScope) => void;

const BY_KIND: Record<string, { group: string; check: Check }> = {
  VirtualService: { group: 'networking.istio.io', check: virtualService },
  DestinationRule: { group: 'networking.istio.io', check: destinationRule },
  Gateway: { group: 'networking.istio.io', check: gateway },
  ServiceEntry: { group: 'networking.istio.io', check: serviceEntry },
  Sidecar: { group: 'networking.istio.io', check: sidecar },
  EnvoyFilter: { group: 'networking.istio.io', check: envoyFilter },
  WorkloadEntry: { group: 'networking.istio.io', check: workloadEntryKind },
  WorkloadGroup: { group: 'networking.istio.io', check: workloadGroup },
  ProxyConfig: { group: 'networking.istio.io', check: proxyConfig },
  AuthorizationPolicy: { group: 'security.istio.io', check: authorizationPolicy },
  PeerAuthentication: { group: 'security.istio.io', check: peerAuthentication },
  RequestAuthentication: { group: 'security.istio.io', check: requestAuthentication },
  Telemetry: { group: 'telemetry.istio.io', check: telemetry },
  WasmPlugin: { group: 'extensions.istio.io', check: wasmPlugin },
};

/** The Istio kinds the webhook checks. */
export const WEBHOOK_KINDS: readonly string[] = Object.keys(BY_KIND);

/** What istiod knows of `m` besides its spec; a manifest without a namespace is applied to `default`. */
function scopeOf(m: Manifest, version: IstioVersion): WebhookScope {
  const md = obj(m.metadata) ?? {};
  const strings = (v: unknown) => Object.fromEntries(entries(v).map(([k, x]) => [k, str(x)]));
  return { version, namespace: str(md.namespace) || 'default', labels: strings(md.labels), annotations: strings(md.annotations) };
}

/** What istiod's webhook of Istio `version` would reject (errors) or warn about in `m`; nothing for other kinds. */
export function checkWebhook(m: Manifest, version: IstioVersion = DEFAULT_ISTIO_VERSION): Finding[] {
  const entry = BY_KIND[String(m?.kind)];
  if (!entry || !String(m?.apiVersion ?? '').startsWith(`${entry.group}/`)) return [];
  const out: Finding[] = [];
  const report: Report = (code, field, message, severity) => out.push(finding(code, m, field, message, severity));
  const scope = scopeOf(m, version);
  // validateMetadata runs first, and an annotation it refuses ends the check.
  if (metadata(m, report, scope)) entry.check(m, report, scope);
  return out;
}
