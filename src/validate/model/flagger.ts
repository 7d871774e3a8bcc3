/**
 * What the cluster runs during a Flagger Canary's analysis: flows run against that, not
 * against the manifests as written, so every flow to or from the released service is
 * checked against its primary pods and its canary pods alike.
 *
 * For a Canary targeting Deployment `<d>` Flagger creates `<d>-primary`, whose pods carry
 * the selector label's value with `-primary` appended (`app: <d>-primary`), creates the
 * Services `<s>` and `<s>-primary` (selecting the primary pods) and `<s>-canary` (selecting
 * `<d>`'s pods), and owns the VirtualService `<s>` with the Canary's service settings, and
 * the DestinationRules of `<s>-primary` and `<s>-canary` with its trafficPolicy. Between
 * analyses `<d>` is scaled to zero and the primary gets all traffic; during one, `<d>` runs
 * the new version and the VirtualService sends it the step's weight (an A/B test: the
 * requests its `match` selects). The analysis's first weighted step is modelled, so both
 * pods' flows are proved; the idle state's are a subset (the primary's alone).
 * https://docs.flagger.app/usage/how-it-works
 * https://github.com/fluxcd/flagger/blob/main/pkg/canary/deployment_controller.go (primary labels)
 * https://github.com/fluxcd/flagger/blob/main/pkg/router/istio.go (VirtualService and DestinationRules; SetRoutes)
 * https://github.com/fluxcd/flagger/blob/main/pkg/controller/scheduler.go (runCanary: the canary's weight grows by the step)
 */
import { Manifest } from '../finding';

const nsOf = (m: Manifest): string => String(m?.metadata?.namespace ?? 'default');

/** The labels Flagger reads a target's identity from, in its order (`-selector-labels`). */
export const FLAGGER_SELECTOR_LABELS: readonly string[] = ['app', 'name', 'app.kubernetes.io/name'];

/** A Deployment Flagger created for a Canary, with the name of the Deployment it copies. */
export const FLAGGER_PRIMARY_OF = new WeakMap<Manifest, string>();

/**
 * A Service Flagger took over (the apex `<s>`), with the Services its VirtualService routes
 * to during an analysis (`<s>-primary`, `<s>-canary`): a caller of the apex reaches the pods of both.
 */
export const FLAGGER_ROUTED_TO = new WeakMap<Manifest, readonly string[]>();

/** The manifests as the cluster has them during every Canary's analysis (unchanged when there is none). */
export function afterFlagger(manifests: readonly Manifest[]): readonly Manifest[] {
  const canaries = manifests.filter(
    (m) =>
      m?.kind === 'Canary' && String(m.apiVersion ?? '').startsWith('flagger.app/') && (m.spec?.targetRef?.kind ?? 'Deployment') === 'Deployment',
  );
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
    primary.spec.template.metadata = {
      ...(primary.spec.template.metadata ?? {}),
      labels: { ...(primary.spec.template.metadata?.labels ?? {}), [key]: primaryValue },
    };
    FLAGGER_PRIMARY_OF.set(primary, target);
    // The target Deployment runs the canary during an analysis (scaled to zero between analyses).
    add.push(primary);

    const svc = canary.spec?.service ?? {};
    const name = String(svc.name ?? target);
    const port = {
      name: String(svc.portName ?? 'http'),
      port: Number(svc.port ?? 80),
      targetPort: svc.targetPort ?? svc.port ?? 80,
      protocol: 'TCP',
    };
    const ports = [port, ...(svc.portDiscovery === true ? discoveredPorts(deployment, port) : [])];
    const service = (n: string, v: string): Manifest => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: n, namespace: ns },
      spec: { selector: { [key]: v }, ports },
    });
    for (const n of [name, `${name}-primary`, `${name}-canary`]) {
      for (const m of manifests) if ((m?.kind === 'Service' || m?.kind === 'VirtualService') && nsOf(m) === ns && m.metadata?.name === n) drop.add(m);
    }
    const apex = service(name, primaryValue);
    FLAGGER_ROUTED_TO.set(apex, [`${name}-primary`, `${name}-canary`]);
    add.push(apex, service(`${name}-primary`, primaryValue), service(`${name}-canary`, value));
    add.push({
      apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace: ns },
      spec: {
        hosts: [name, ...(svc.hosts ?? [])],
        ...(svc.gateways ? { gateways: svc.gateways } : {}),
        http: analysisRoutes(canary, name, svc),
      },
    });
    for (const n of [`${name}-primary`, `${name}-canary`]) {
      add.push({
        apiVersion: 'networking.istio.io/v1',
        kind: 'DestinationRule',
        metadata: { name: n, namespace: ns },
        spec: { host: n, ...(svc.trafficPolicy ? { trafficPolicy: svc.trafficPolicy } : {}) },
      });
    }
  }
  return [...manifests.filter((m) => !drop.has(m)), ...add];
}

/**
 * The routes of the VirtualService Flagger writes during an analysis: the first step's
 * weights (`stepWeights[0]`, else `stepWeight`) between primary and canary; an A/B test's
 * `match` to the canary ahead of the primary; a Blue/Green run (iterations without match)
 * all to the primary. The Canary's service settings (match, retries, timeout) on each.
 * https://github.com/fluxcd/flagger/blob/main/pkg/router/istio.go (SetRoutes)
 */
function analysisRoutes(canary: Manifest, name: string, svc: Manifest): Manifest[] {
  const analysis = canary.spec?.analysis ?? {};
  const common = {
    ...(svc.retries ? { retries: svc.retries } : {}),
    ...(svc.timeout ? { timeout: svc.timeout } : {}),
  };
  const to = (host: string, weight: number) => ({ destination: { host }, weight });
  if (analysis.iterations !== undefined) {
    const match: Manifest[] = Array.isArray(analysis.match) ? analysis.match : [];
    const primary = { ...(svc.match ? { match: svc.match } : {}), ...common, route: [to(`${name}-primary`, 100), to(`${name}-canary`, 0)] };
    return match.length > 0 ? [{ match, ...common, route: [to(`${name}-primary`, 0), to(`${name}-canary`, 100)] }, primary] : [primary];
  }
  const first = Number(Array.isArray(analysis.stepWeights) ? analysis.stepWeights[0] : analysis.stepWeight ?? 0);
  const weight = Number.isFinite(first) ? Math.min(100, Math.max(0, first)) : 0;
  return [{ ...(svc.match ? { match: svc.match } : {}), ...common, route: [to(`${name}-primary`, 100 - weight), to(`${name}-canary`, weight)] }];
}

/** Containers Flagger leaves out of port discovery: the mesh proxies (fluxcd/flagger pkg/canary/util.go, `sidecars`). */
const FLAGGER_SIDECARS = new Set(['istio-proxy', 'envoy']);

/**
 * The ports `service.portDiscovery` adds to Flagger's Services (pkg/canary/util.go getPorts): each container port of the
 * target's pod but the canary's own target port, named as the container names it (else `tcp-<container>-<index>`), its
 * Service port the container port itself.
 */
function discoveredPorts(deployment: Manifest, main: { port: number; targetPort: unknown }): Manifest[] {
  const out: Manifest[] = [];
  for (const c of deployment.spec?.template?.spec?.containers ?? []) {
    if (FLAGGER_SIDECARS.has(String(c?.name))) continue;
    (c?.ports ?? []).forEach((p: Manifest, i: number) => {
      const number = Number(p?.containerPort);
      const target = main.targetPort;
      if (typeof target === 'string' ? p?.name === target : number === Number(target)) return;
      out.push({ name: p?.name ? String(p.name) : `tcp-${c.name}-${i}`, port: number, targetPort: number, protocol: 'TCP' });
    });
  }
  return out;
}
