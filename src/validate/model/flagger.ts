/**
 * What the cluster runs once Flagger has initialised a Canary: flows run against
 * that, not against the manifests as written.
 *
 * For a Canary targeting Deployment `<d>` Flagger creates `<d>-primary`, whose pods carry
 * the selector label's value with `-primary` appended (`app: <d>-primary`), scales
 * `<d>` to zero, creates the Services `<s>` and `<s>-primary` (selecting the primary pods)
 * and `<s>-canary` (selecting `<d>`'s pods), and owns the VirtualService `<s>` routing 100%
 * to `<s>-primary` with the Canary's service settings, and the DestinationRules of
 * `<s>-primary` and `<s>-canary` with its trafficPolicy.
 * https://docs.flagger.app/usage/how-it-works
 * https://github.com/fluxcd/flagger/blob/main/pkg/canary/deployment_controller.go (primary labels)
 * https://github.com/fluxcd/flagger/blob/main/pkg/router/istio.go (VirtualService and DestinationRules)
 */
import { Manifest } from '../finding';

const nsOf = (m: Manifest): string => String(m?.metadata?.namespace ?? 'default');

/** The labels Flagger reads a target's identity from, in its order (`-selector-labels`). */
export const FLAGGER_SELECTOR_LABELS: readonly string[] = ['app', 'name', 'app.kubernetes.io/name'];

/** A Deployment Flagger created for a Canary, with the name of the Deployment it copies. */
export const FLAGGER_PRIMARY_OF = new WeakMap<Manifest, string>();

/** The manifests as the cluster has them after Flagger initialised every Canary (unchanged when there is none). */
export function afterFlagger(manifests: readonly Manifest[]): readonly Manifest[] {
  const canaries = manifests.filter((m) => m?.kind === 'Canary' && String(m.apiVersion ?? '').startsWith('flagger.app/') && (m.spec?.targetRef?.kind ?? 'Deployment') === 'Deployment');
  if (canaries.length === 0) return manifests;
  const drop = new Set<Manifest>();
  const add: Manifest[] = [];
  for (const canary of canaries) {
    const ns = nsOf(canary);
    const target = String(canary.spec?.targetRef?.name ?? '');
    const deployment = manifests.find((m) => m?.kind === 'Deployment' && nsOf(m) === ns && m.metadata?.name === target);
    if (!deployment) continue;
    const selector: Record<string, string> = deployment.spec?.selector?.matchLabels ?? {};
    const key = FLAGGER_SELECTOR_LABELS.find((k) => selector[k] !== undefined);
    if (!key) continue;
    const value = selector[key];
    const primaryValue = `${value}-primary`;
    const primary: Manifest = JSON.parse(JSON.stringify(deployment));
    primary.metadata.name = `${target}-primary`;
    primary.spec.selector.matchLabels[key] = primaryValue;
    primary.spec.template.metadata = { ...(primary.spec.template.metadata ?? {}), labels: { ...(primary.spec.template.metadata?.labels ?? {}), [key]: primaryValue } };
    FLAGGER_PRIMARY_OF.set(primary, target);
    drop.add(deployment); // scaled to zero between analyses
    add.push(primary);

    const svc = canary.spec?.service ?? {};
    const name = String(svc.name ?? target);
    const port = { name: String(svc.portName ?? 'http'), port: Number(svc.port ?? 80), targetPort: svc.targetPort ?? svc.port ?? 80, protocol: 'TCP' };
    const service = (n: string, v: string): Manifest => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: n, namespace: ns }, spec: { selector: { [key]: v }, ports: [port] } });
    for (const n of [name, `${name}-primary`, `${name}-canary`]) {
      for (const m of manifests) if ((m?.kind === 'Service' || m?.kind === 'VirtualService') && nsOf(m) === ns && m.metadata?.name === n) drop.add(m);
    }
    add.push(service(name, primaryValue), service(`${name}-primary`, primaryValue), service(`${name}-canary`, value));
    add.push({
      apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace: ns },
      spec: {
        hosts: [name, ...(svc.hosts ?? [])],
        ...(svc.gateways ? { gateways: svc.gateways } : {}),
        http: [{
          ...(svc.match ? { match: svc.match } : {}),
          ...(svc.retries ? { retries: svc.retries } : {}),
          ...(svc.timeout ? { timeout: svc.timeout } : {}),
          route: [{ destination: { host: `${name}-primary` }, weight: 100 }, { destination: { host: `${name}-canary` }, weight: 0 }],
        }],
      },
    });
    for (const n of [`${name}-primary`, `${name}-canary`]) {
      add.push({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: n, namespace: ns }, spec: { host: n, ...(svc.trafficPolicy ? { trafficPolicy: svc.trafficPolicy } : {}) } });
    }
  }
  return [...manifests.filter((m) => !drop.has(m)), ...add];
}
