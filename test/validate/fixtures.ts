/** Small hand-written manifest sets for the validation tests. */
export type M = Record<string, any>;

export function service(name: string, ports: M[] = [{ name: 'http', port: 80, targetPort: 8080 }], ns = 'shop'): M {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { selector: { app: name }, ports } };
}

export function serviceAccount(name: string, ns = 'shop'): M {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: ns } };
}

export function deployment(name: string, version = 'v1', ns = 'shop'): M {
  const labels = { app: name, version };
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `${name}-${version}`, namespace: ns },
    spec: {
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { serviceAccountName: name, containers: [{ name: 'app', image: `${name}:1` }] } },
    },
  };
}

export function destinationRule(host: string, subsets: M[] = [{ name: 'stable', labels: { version: 'v1' } }], extra: M = {}, ns = 'shop'): M {
  return { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: host, namespace: ns }, spec: { host, subsets, ...extra } };
}

export function virtualService(name: string, http: M[], extra: M = {}, ns = 'shop'): M {
  return { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace: ns }, spec: { hosts: [name], http, ...extra } };
}

export function route(host: string, subset?: string, more: M = {}): M {
  return { route: [{ destination: { host, ...(subset ? { subset } : {}) } }], ...more };
}

/** A clean service: Service, ServiceAccount, Deployment, DestinationRule, VirtualService. */
export function app(name: string): M[] {
  return [service(name), serviceAccount(name), deployment(name), destinationRule(name), virtualService(name, [route(name, 'stable')])];
}

export function authorizationPolicy(name: string, spec: M, ns = 'shop'): M {
  return { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace: ns }, spec };
}

export function peerAuthentication(name: string, spec: M, ns = 'shop'): M {
  return { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name, namespace: ns }, spec };
}

export function sidecar(name: string, spec: M, ns = 'shop'): M {
  return { apiVersion: 'networking.istio.io/v1', kind: 'Sidecar', metadata: { name, namespace: ns }, spec };
}
