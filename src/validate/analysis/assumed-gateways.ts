/**
 * The ingress gateways the analysis assumes the cluster runs when the manifests do not define
 * them: the platform's at synth, istioctl analyze's default otherwise. They are objects the
 * cluster has but the files do not hold, so the analysis sees them beside the model of the files.
 */
import { Manifest } from '../finding';
import type { MeshPlatform } from '../../platform/platform';

/**
 * The namespace whose selector-less policies apply mesh-wide, unless the mesh's MeshConfig names
 * another (ValidateOptions.rootNamespace; synth passes the platform's `istio.rootNamespace`).
 * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#MeshConfig (rootNamespace: "the default value is istio-system")
 */
export const DEFAULT_ROOT_NAMESPACE = 'istio-system';

/**
 * An ingress gateway the analysis assumes the cluster runs when the manifests do not define
 * it: its pods' labels and namespace and its Service's ports (the platform's gateway at
 * synth, istioctl analyze's default otherwise).
 */
export interface AssumedIngressGateway {
  /** The Service's name. */
  readonly name: string;
  /** The namespace of the pods and the Service. */
  readonly namespace: string;
  /** The pods' labels. */
  readonly podLabels: Readonly<Record<string, string>>;
  /** The Service's ports and the pod ports they target. */
  readonly ports: readonly { readonly name: string; readonly port: number; readonly targetPort: number }[];
  /**
   * The pods' ServiceAccount: their identity, which AuthorizationPolicies name to admit the gateway.
   * @default `<name>-service-account`, as Istio's ingress gateway chart names it (`istio-ingressgateway-service-account`)
   * @see https://github.com/istio/istio/blob/1.24.6/manifests/charts/gateways/istio-ingress/templates/serviceaccount.yaml
   */
  readonly serviceAccount?: string;
  /**
   * Istio Gateways the platform team applies on these pods (`MeshPlatform.gatewayManifests()`), which
   * the manifests' VirtualServices may bind to; each assumed unless the manifests define it.
   * @default []
   */
  readonly gateways?: readonly Manifest[];
}

/**
 * The ingress gateway istioctl analyze assumes when the input does not define it: a pod
 * labelled `istio: ingressgateway` and its Service `istio-ingressgateway` in istio-system
 * (istio/istio pkg/config/analysis/local/defaults.go, added by AddDefaultResources).
 */
export const ISTIOCTL_DEFAULT_INGRESS_GATEWAY: AssumedIngressGateway = {
  name: 'istio-ingressgateway',
  namespace: 'istio-system',
  podLabels: { istio: 'ingressgateway' },
  ports: [['http2', 80], ['https', 443], ['tcp', 31400], ['tls', 15443]]
    .map(([name, n]) => ({ name: String(name), port: Number(n), targetPort: Number(n) })),
};

/**
 * The platform's ingress gateway as the analysis assumes it: the pods' labels and the
 * Service's ports with the pod ports they target (a stock install's 80 -> 8080 and
 * 443 -> 8443), so a Gateway server may name either, as on the cluster.
 * @see https://github.com/istio/istio/blob/master/manifests/charts/gateways/istio-ingress/values.yaml
 */
export function platformIngressGateway(platform: MeshPlatform): AssumedIngressGateway {
  const gw = platform.ingressGateway;
  return {
    name: gw.name,
    namespace: gw.namespace,
    podLabels: gw.podLabels,
    serviceAccount: gw.serviceAccount,
    gateways: platform.gatewayManifests(),
    ports: [
      { name: 'http2', port: gw.httpServicePort, targetPort: gw.httpPort },
      { name: 'https', port: gw.httpsServicePort, targetPort: gw.httpsPort },
      ...gw.otherPorts.map((port) => ({ name: `tcp-${port}`, port, targetPort: port })),
    ],
  };
}

/**
 * The platform's egress gateway, when it has one, as the analysis assumes it beside the ingress gateway: its pods and its Service
 * (`http2` 80 -> 8080, `https` 443 -> 8443 for istioctl's), which the callers' routes and DestinationRules name.
 * @see https://github.com/istio/istio/blob/1.24.6/manifests/charts/gateways/istio-egress/values.yaml
 */
export function platformEgressGateway(platform: MeshPlatform): AssumedIngressGateway | undefined {
  const gw = platform.egressGateway;
  if (!gw) return undefined;
  return {
    name: gw.name,
    namespace: gw.namespace,
    podLabels: gw.podLabels,
    serviceAccount: gw.serviceAccount,
    ports: [
      { name: 'http2', port: gw.httpServicePort, targetPort: gw.httpPort },
      { name: 'https', port: gw.httpsServicePort, targetPort: gw.httpsPort },
    ],
  };
}

/** The platform's gateways the analysis assumes: the ingress gateway, and the egress gateway where it has one. */
export function platformGateways(platform: MeshPlatform): AssumedIngressGateway[] {
  const egress = platformEgressGateway(platform);
  return [platformIngressGateway(platform), ...(egress ? [egress] : [])];
}

/**
 * The objects of the assumed ingress gateways (`gateways`, by default istioctl analyze's one),
 * each unless `services` (the manifests' Services) define its Service; gateways of one name and
 * namespace are assumed once (the first). The platform's gateway pods are not part of a chart's
 * output, as they are not part of the files istioctl analyze reads.
 */
export function defaultIngressGateway(
  services: readonly Manifest[],
  gateways: AssumedIngressGateway | readonly AssumedIngressGateway[] = ISTIOCTL_DEFAULT_INGRESS_GATEWAY,
  definedGateways: readonly Manifest[] = [],
): Manifest[] {
  const defined = new Set(services.map((m) => `${m.metadata?.namespace}/${m.metadata?.name}`));
  const out: Manifest[] = [];
  const list: readonly AssumedIngressGateway[] = Array.isArray(gateways) ? gateways : [gateways as AssumedIngressGateway];
  // The platform's own Gateways, unless the manifests hold them.
  const gatewayKey = (g: Manifest) => `${g.metadata?.namespace}/${g.metadata?.name}`;
  const heldGateways = new Set(definedGateways.map(gatewayKey));
  for (const g of list.flatMap((x) => x.gateways ?? [])) {
    if (heldGateways.has(gatewayKey(g))) continue;
    heldGateways.add(gatewayKey(g));
    out.push(g);
  }
  for (const gateway of list) {
    const key = `${gateway.namespace}/${gateway.name}`;
    if (defined.has(key)) continue;
    defined.add(key);
    const labels = { ...gateway.podLabels };
    out.push(
      {
        apiVersion: 'v1', kind: 'Pod', metadata: { name: `${gateway.name}-dummypod`, namespace: gateway.namespace, labels },
        spec: { serviceAccountName: gateway.serviceAccount ?? `${gateway.name}-service-account`, containers: [{ name: 'istio-proxy' }] },
      },
      {
        apiVersion: 'v1', kind: 'Service', metadata: { name: gateway.name, namespace: gateway.namespace },
        spec: { selector: labels, ports: gateway.ports.map((p) => ({ name: p.name, port: p.port, protocol: 'TCP', targetPort: p.targetPort })) },
      },
    );
  }
  return out;
}
