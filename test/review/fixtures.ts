import * as yaml from 'js-yaml';
import { ManifestTree } from '../../src/review';

/** Small hand-written manifests of the shapes Istio, Flagger and Kubernetes document. */

export function virtualService(name: string, http: Record<string, any>[]): Record<string, any> {
  return {
    apiVersion: 'networking.istio.io/v1', kind: 'VirtualService',
    metadata: { name, namespace: 'production' }, spec: { hosts: [name], http },
  };
}

/** One HTTP route to `host`'s subsets with the given weights. */
export function weightedRoute(host: string, weights: Record<string, number>, extra: Record<string, any> = {}): Record<string, any> {
  return {
    route: Object.entries(weights).map(([subset, weight]) => ({ destination: { host, subset }, weight })),
    ...extra,
  };
}

export function destinationRule(name: string, spec: Record<string, any>): Record<string, any> {
  return { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name, namespace: 'production' }, spec: { host: name, ...spec } };
}

export function peerAuthentication(name: string, mode: string | undefined, extra: Record<string, any> = {}): Record<string, any> {
  return {
    apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication',
    metadata: { name, namespace: 'production' }, spec: { ...(mode ? { mtls: { mode } } : {}), ...extra },
  };
}

export const principal = (sa: string, ns = 'production') => `cluster.local/ns/${ns}/sa/${sa}`;

/** An ALLOW policy on app=`target` with one rule per caller: [sa, methods, paths]. */
export function authorizationPolicy(
  target: string | undefined, callers: [string, string[], string[]][], action = 'ALLOW', name = target ?? 'allow-nothing',
): Record<string, any> {
  return {
    apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy',
    metadata: { name, namespace: 'production' },
    spec: {
      action,
      ...(target ? { selector: { matchLabels: { app: target } } } : {}),
      ...(callers.length ? {
        rules: callers.map(([sa, methods, paths]) => ({
          from: [{ source: { principals: [principal(sa)] } }],
          to: [{ operation: { ...(methods.length ? { methods } : {}), ...(paths.length ? { paths } : {}) } }],
        })),
      } : {}),
    },
  };
}

export function service(name: string): Record<string, any> {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'production' }, spec: { selector: { app: name } } };
}

export function deployment(name: string, podSpec: Record<string, any> = {}, replicas = 3): Record<string, any> {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'production' },
    spec: {
      replicas,
      template: {
        metadata: { labels: { app: name, version: 'v1' } },
        spec: { serviceAccountName: name, containers: [{ name: 'app', image: `registry.example.com/${name}:1.0.0` }], ...podSpec },
      },
    },
  };
}

export function flaggerCanary(name: string, analysis: Record<string, any>): Record<string, any> {
  return {
    apiVersion: 'flagger.app/v1beta1', kind: 'Canary', metadata: { name, namespace: 'production' },
    spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name }, analysis },
  };
}

/** A tree with each manifest in `<env>/<kind>.<name>.yaml`. */
export function tree(envs: Record<string, Record<string, any>[]>, extra: Record<string, string> = {}): ManifestTree {
  const out = new Map<string, string>();
  for (const [env, manifests] of Object.entries(envs)) {
    for (const m of manifests) out.set(`${env}/${String(m.kind).toLowerCase()}.${m.metadata.name}.yaml`, yaml.dump(m));
  }
  for (const [p, text] of Object.entries(extra)) out.set(p, text);
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
