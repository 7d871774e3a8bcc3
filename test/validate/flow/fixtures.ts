/** Small hand-written manifests for the flow evaluator's tests. */
import { Manifest } from '../../../src/validate';

export interface PodOptions {
  readonly labels?: Record<string, string>;
  readonly serviceAccount?: string;
  readonly ports?: Record<string, number>;
  readonly inject?: boolean;
}

/** A Deployment `name` in `ns` with label `app: name` (plus `labels`) and container ports. */
export function deployment(name: string, ns: string, o: PodOptions = {}): Manifest {
  const ports = Object.entries(o.ports ?? { http: 8080 }).map(([n, p]) => ({ name: n, containerPort: p }));
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ns },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, ...(o.labels ?? {}) }, ...(o.inject === false ? { annotations: { 'sidecar.istio.io/inject': 'false' } } : {}) },
        spec: { serviceAccountName: o.serviceAccount ?? name, containers: [{ name: 'app', image: 'x', ports }] },
      },
    },
  };
}

/** A Service `name` selecting `app: name`, port `port` → `targetPort`. */
export function service(name: string, ns: string, port = 80, targetPort: number | string = 8080): Manifest {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { selector: { app: name }, ports: [{ name: 'http', port, targetPort }] } };
}

/** A Deployment and its Service. */
export function app(name: string, ns: string, o: PodOptions = {}): Manifest[] {
  return [deployment(name, ns, o), service(name, ns)];
}

export function networkPolicy(name: string, ns: string, spec: Manifest): Manifest {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec };
}

export function authorizationPolicy(name: string, ns: string, spec: Manifest): Manifest {
  return { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace: ns }, spec };
}

export function peerAuthentication(name: string, ns: string, spec: Manifest): Manifest {
  return { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name, namespace: ns }, spec };
}

export function sidecar(name: string, ns: string, spec: Manifest): Manifest {
  return { apiVersion: 'networking.istio.io/v1', kind: 'Sidecar', metadata: { name, namespace: ns }, spec };
}

export function virtualService(name: string, ns: string, spec: Manifest): Manifest {
  return { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace: ns }, spec };
}

export function destinationRule(name: string, ns: string, spec: Manifest): Manifest {
  return { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name, namespace: ns }, spec };
}

export function gateway(name: string, ns: string, spec: Manifest): Manifest {
  return { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name, namespace: ns }, spec };
}

export function namespace(name: string, labels: Record<string, string> = {}): Manifest {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

/** A flow from workload `from` (namespace `ns`) to `host`:`port`. */
export function call(from: string, ns: string, host: string, port = 80, method: 'GET' | 'POST' = 'GET', path = '/') {
  return { source: { workload: from, namespace: ns }, host, port, method, path };
}

export const INGRESS = {
  name: 'istio-ingressgateway', namespace: 'istio-system', labels: { istio: 'ingressgateway', app: 'istio-ingressgateway' },
  serviceAccount: 'istio-ingressgateway-service-account', meshed: true,
};

export const PROMETHEUS = {
  name: 'prometheus', namespace: 'observability', labels: { app: 'prometheus' }, serviceAccount: 'prometheus', meshed: false,
};

/** An egress rule admitting DNS lookups: 53/UDP to kube-dns in kube-system. */
export const DNS_EGRESS = {
  to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
  ports: [{ port: 53, protocol: 'UDP' }],
};
