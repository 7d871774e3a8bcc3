import type { Cidr } from '../core/cidr';
import { Principal } from '../core/principal';
import type { FlowWorkload } from '../core/flow';
import type {
  MeshPlatformProps, PlatformApiServer, PlatformEgressGateway, PlatformFlagger, PlatformGateway, PlatformIngressGateway, PlatformIstio,
  PlatformLabels, PlatformPrometheus,
  PlatformRateLimit, PlatformTracing,
} from './platform-props';
import type { PlatformDns, PlatformEdgeProxy } from './network-props';
import type { PlatformLoadTester } from './load-tester';
import { resolvePlatform } from './resolve';
import { PlatformSnapshotOptions, platformPropsFromSnapshot, snapshotFilesOf } from './snapshot';

/**
 * The shared components a mesh's output runs on but does not own: istiod and the root
 * namespace, the ingress gateway, Prometheus, the tracing collector, the global
 * rate-limit service, Flagger. Typed data with the defaults of the seeds' install, presets
 * for the common installs (./presets.ts) and a reader of the cluster's own objects
 * (./snapshot.ts); every derived object (NetworkPolicy peers, Sidecar hosts, principals,
 * selector labels, addresses) takes its values from here.
 */

/** The Envoy port Prometheus scrapes for the proxy's own statistics (`/stats/prometheus`). */
export const ENVOY_PROMETHEUS_PORT = 15090;
/** The pilot-agent's merged metrics port (application and proxy, `/stats/prometheus`). */
export const MERGED_METRICS_PORT = 15020;

/**
 * The name of a platform Gateway server's port, as the Gateway the checks assume has it (`https-443`).
 * @internal
 */
export function platformGatewayPortName(server: { readonly port: number; readonly protocol: string }): string {
  return `${server.protocol.toLowerCase()}-${server.port}`;
}

/**
 * The platform a mesh runs on. `MeshPlatform.default()` is the seeds' install (istioctl's
 * ingress gateway, kube-prometheus-stack, the Jaeger operator's collector); `MeshPlatform.of({...})`
 * overrides any part, with presets (`IngressGatewayInstall`, `TracingCollectorInstall`,
 * `PrometheusInstall`) or props; `MeshPlatform.fromManifests(files)` reads a snapshot of the
 * cluster. Immutable.
 *
 * @see https://istio.io/latest/docs/ops/deployment/application-requirements/#ports-used-by-istio
 */
export class MeshPlatform {
  /** The seeds' platform: Istio 1.24 installed by istioctl, kube-prometheus-stack and the Jaeger operator's collector. */
  public static default(): MeshPlatform {
    return (MeshPlatform._default ??= new MeshPlatform({}));
  }

  private static _default?: MeshPlatform;

  /** The platform with `props` overriding the defaults; throws a {@link MeshError} on a bad name, port or selector. */
  public static of(props: MeshPlatformProps = {}): MeshPlatform {
    return new MeshPlatform(props);
  }

  /**
   * The platform as a snapshot of the cluster shows it: `source` is the snapshot's files
   * (`kubectl get deploy,statefulset,daemonset,svc,sa,endpoints -A -o yaml`, a `List` or
   * several documents) or its objects. Each component is found by its Service (its Deployment
   * for Flagger) where `options.presets` (else the default platform) says it runs, and its
   * Service's selector and ports, its pods' labels, ServiceAccount and container ports are
   * read from there. Throws a {@link MeshError} naming the file: MESH080 for a file that is
   * not a snapshot, MESH081 for a component it lacks, MESH083 for one it holds without what
   * the platform needs, MESH082 for a preset or prop it contradicts (naming both values).
   */
  public static fromManifests(source: readonly string[] | readonly Record<string, any>[], options: PlatformSnapshotOptions = {}): MeshPlatform {
    return new MeshPlatform(platformPropsFromSnapshot(snapshotFilesOf(source), options));
  }

  /** The trust domain. */
  public readonly trustDomain: string;
  /** The Kubernetes minor the cluster runs (`1.29`), when the platform says it. */
  public readonly kubernetesVersion?: string;
  /** istiod and the root namespace. */
  public readonly istio: PlatformIstio;
  /** The ingress gateway. */
  public readonly ingressGateway: PlatformIngressGateway;
  /** The egress gateway, when the platform has one (`egressGateway`). */
  public readonly egressGateway?: PlatformEgressGateway;
  /** Prometheus. */
  public readonly prometheus: PlatformPrometheus;
  /** The tracing collector. */
  public readonly tracing: PlatformTracing;
  /** The global rate-limit service. */
  public readonly rateLimit: PlatformRateLimit;
  /** Flagger. */
  public readonly flagger: PlatformFlagger;
  /** Flagger's load tester, which a `FlaggerCanary`'s `loadTest` calls. */
  public readonly loadTester: PlatformLoadTester;
  /** The API server. */
  public readonly apiServer: PlatformApiServer;
  /** The cluster DNS, and NodeLocal DNSCache where it runs. */
  public readonly dns: PlatformDns;
  /** The API gateway in front of the mesh (seed 003's Kong). */
  public readonly apiGateway: PlatformEdgeProxy;
  /** The ingress controller in front of the mesh or of the API gateway (seed 003's Nginx Ingress). */
  public readonly ingressController: PlatformEdgeProxy;
  /** The Gateways the platform team applies on the ingress gateway's pods, which applications bind routes to. */
  public readonly gateways: readonly PlatformGateway[];

  private constructor(props: MeshPlatformProps) {
    const r = resolvePlatform(props);
    this.trustDomain = r.trustDomain;
    this.kubernetesVersion = r.kubernetesVersion;
    this.istio = r.istio;
    this.ingressGateway = r.ingressGateway;
    this.egressGateway = r.egressGateway;
    this.prometheus = r.prometheus;
    this.tracing = r.tracing;
    this.rateLimit = r.rateLimit;
    this.flagger = r.flagger;
    this.loadTester = r.loadTester;
    this.apiServer = r.apiServer;
    this.dns = r.dns;
    this.apiGateway = r.apiGateway;
    this.ingressController = r.ingressController;
    this.gateways = r.gateways;
  }

  /**
   * Whether the platform says its pods may have Kubernetes native sidecars (init containers with `restartPolicy: Always`): its
   * `kubernetesVersion` is 1.29 or later (the `SidecarContainers` feature, on by default from 1.29), or its istiod injects
   * native sidecars (`istio.nativeSidecars`, which only such a cluster runs).
   * @see https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/
   */
  public get nativeSidecarsSupported(): boolean {
    const minor = this.kubernetesVersion === undefined ? undefined : Number(this.kubernetesVersion.split('.')[1]);
    return this.istio.nativeSidecars || (minor !== undefined && minor >= 29);
  }

  /**
   * The platform's Gateways as the cluster holds them (networking.istio.io/v1): objects the
   * checks and the flows assume beside the manifests, which never write them.
   */
  public gatewayManifests(): Record<string, any>[] {
    return this.gateways.map((g) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      metadata: { name: g.name, namespace: g.namespace },
      spec: {
        selector: { ...g.selector },
        servers: g.servers.map((s) => ({
          port: { number: s.port, name: platformGatewayPortName(s), protocol: s.protocol },
          hosts: [...s.hosts],
          ...(s.protocol === 'HTTPS' ? { tls: { mode: 'SIMPLE', credentialName: s.credentialName } } : {}),
          ...(s.httpsRedirect ? { tls: { httpsRedirect: true } } : {}),
        })),
      },
    }));
  }

  /** The ingress gateway's mTLS principal, which AuthorizationPolicies on the routes bound to it admit. */
  public get ingressGatewayPrincipal(): Principal {
    return Principal.serviceAccount(this.ingressGateway.namespace, this.ingressGateway.serviceAccount, this.trustDomain);
  }

  /**
   * The labels by which a NetworkPolicy peer selects the pods that serve a Gateway with
   * `gatewaySelector` (in the gateway's namespace): the platform gateway Service's selector
   * when `gatewaySelector` picks the platform's gateway pods, so that other labels on those
   * pods cannot break the peer; else `gatewaySelector` itself (another gateway's pods).
   */
  public ingressGatewayPeerLabels(gatewaySelector: PlatformLabels = this.ingressGateway.selector): Record<string, string> {
    const gw = this.ingressGateway;
    const platformPods = Object.entries(gatewaySelector).every(([k, v]) => gw.podLabels[k] === v);
    return { ...(platformPods ? gw.serviceSelector : gatewaySelector) };
  }

  /** The rate-limit service's namespace for a chart in `chartNamespace`. */
  public rateLimitNamespace(chartNamespace: string): string {
    return this.rateLimit.namespace ?? chartNamespace;
  }

  /** The rate-limit service's FQDN for a chart in `chartNamespace`. */
  public rateLimitHost(chartNamespace: string): string {
    return `${this.rateLimit.name}.${this.rateLimitNamespace(chartNamespace)}.svc.cluster.local`;
  }

  /** The ingress gateway as a flow's source or target. */
  public ingressGatewayWorkload(): FlowWorkload {
    const gw = this.ingressGateway;
    return {
      name: gw.name, namespace: gw.namespace, labels: gw.podLabels, serviceAccount: gw.serviceAccount, meshed: true,
      ports: { 'http2': gw.httpPort, 'https': gw.httpsPort },
      targetPorts: this.ingressGatewayTargetPorts(),
    };
  }

  /**
   * The ingress gateway pods' port behind each of its Service's ports where they differ (istioctl's 80 and 443 target the
   * pods' 8080 and 8443): a Gateway server's port is the Service's, and istiod opens the listener on the pods' (istio/istio
   * pilot/pkg/model/gateway.go, `resolvePorts`), which is the port an AuthorizationPolicy's `ports` on the gateway's pods reads.
   */
  public ingressGatewayTargetPorts(): Record<number, number> {
    const gw = this.ingressGateway;
    const out: Record<number, number> = {};
    if (gw.httpServicePort !== gw.httpPort) out[gw.httpServicePort] = gw.httpPort;
    if (gw.httpsServicePort !== gw.httpsPort) out[gw.httpsServicePort] = gw.httpsPort;
    return out;
  }

  /**
   * The egress gateway as a flow's target (a caller's sidecar sends to it) and source (it connects to the external host), when the
   * platform has one: an Envoy with the Service's ports targeting the pods' (`80 -> 8080`, `443 -> 8443` for istioctl's).
   */
  public egressGatewayWorkload(): FlowWorkload | undefined {
    const gw = this.egressGateway;
    if (!gw) return undefined;
    const targetPorts: Record<number, number> = {};
    if (gw.httpServicePort !== gw.httpPort) targetPorts[gw.httpServicePort] = gw.httpPort;
    if (gw.httpsServicePort !== gw.httpsPort) targetPorts[gw.httpsServicePort] = gw.httpsPort;
    return {
      name: gw.name, namespace: gw.namespace, labels: gw.podLabels, serviceAccount: gw.serviceAccount, meshed: true,
      ports: { 'http2': gw.httpPort, 'https': gw.httpsPort }, targetPorts,
    };
  }

  /** The egress gateway's mTLS principal, when the platform has one. */
  public get egressGatewayPrincipal(): Principal | undefined {
    const gw = this.egressGateway;
    return gw ? Principal.serviceAccount(gw.namespace, gw.serviceAccount, this.trustDomain) : undefined;
  }

  /** Prometheus as a flow's source: not meshed, it scrapes in plaintext. */
  public prometheusWorkload(): FlowWorkload {
    const p = this.prometheus;
    return { name: 'prometheus', namespace: p.namespace, labels: p.podLabels, serviceAccount: p.serviceAccount, meshed: false, ports: { web: 9090 } };
  }

  /** The tracing collector as a flow's target, reached through its Service. */
  public tracingWorkload(): FlowWorkload {
    const t = this.tracing;
    return {
      name: t.serviceName, namespace: t.namespace, labels: t.podLabels, serviceAccount: t.serviceAccount, meshed: false,
      ports: { [t.protocol]: t.targetPort },
      ...(t.targetPort !== t.port ? { targetPorts: { [t.port]: t.targetPort } } : {}),
    };
  }

  /** The rate-limit service as a flow's target, for a chart in `chartNamespace`. */
  public rateLimitWorkload(chartNamespace: string): FlowWorkload {
    const r = this.rateLimit;
    return {
      name: r.name, namespace: this.rateLimitNamespace(chartNamespace), labels: r.podLabels, serviceAccount: r.name, meshed: true,
      ports: { 'grpc': r.grpcPort },
    };
  }

  /** istiod as a flow's target. */
  public istiodWorkload(): FlowWorkload {
    const i = this.istio;
    return {
      name: 'istiod', namespace: i.controlPlaneNamespace, labels: i.istiodLabels, serviceAccount: i.serviceAccount, meshed: false,
      ports: { 'grpc-xds': i.xdsPort, 'https-webhook': i.webhookPort },
    };
  }

  /** Flagger as a flow's source (it queries Prometheus). */
  public flaggerWorkload(): FlowWorkload {
    const f = this.flagger;
    return { name: 'flagger', namespace: f.namespace, labels: f.podLabels, serviceAccount: f.serviceAccount, meshed: false };
  }

  /** Flagger's load tester as a flow's source (it sends a load test's requests) and target (Flagger calls its webhook). */
  public loadTesterWorkload(): FlowWorkload {
    const l = this.loadTester;
    return {
      name: l.serviceName, namespace: l.namespace, labels: l.podLabels, serviceAccount: l.serviceAccount, meshed: l.meshed,
      ports: { http: l.targetPort },
      // The Service's port (80 in the chart) reaches the pods' 8080: a flow to the Service port meets the pods' policies there.
      ...(l.port !== l.targetPort ? { targetPorts: { [l.port]: l.targetPort } } : {}),
    };
  }

  /** The load tester's URL, which a Canary's load-test webhook calls (`http://flagger-loadtester.test/`, as Flagger's docs write it). */
  public loadTesterUrl(): string {
    const l = this.loadTester;
    return `http://${l.serviceName}.${l.namespace}${l.port === 80 ? '' : `:${l.port}`}/`;
  }

  /** The mTLS principal of the load tester's pods (which only meshed pods present). */
  public loadTesterPrincipal(): Principal {
    return Principal.serviceAccount(this.loadTester.namespace, this.loadTester.serviceAccount, this.trustDomain);
  }

  /**
   * The API server as a flow's target, reached at `addresses` (by default its endpoints'):
   * no sidecar, outside the pod network, so only NetworkPolicy egress `ipBlock` rules
   * decide. A range stands for its first address.
   */
  public apiServerWorkload(addresses: readonly Cidr[] = this.apiServer.endpoints): FlowWorkload {
    const a = this.apiServer;
    return {
      name: 'kube-apiserver', namespace: a.namespace, labels: {}, serviceAccount: 'kube-apiserver', meshed: false,
      ports: Object.fromEntries(a.ports.map((p, i) => [i === 0 ? 'https' : `https-${p}`, p])),
      addresses: addresses.map((c) => String(c).split('/')[0]),
    };
  }

  /**
   * The pods that answer an application's DNS lookups, as a flow's target: NodeLocal
   * DNSCache where it runs (a host-network pod, reached at its first address: no pod
   * selector covers it), else the DNS pods as their Service selects them.
   * @see https://kubernetes.io/docs/tasks/administer-cluster/nodelocaldns/
   */
  public dnsWorkload(): FlowWorkload {
    const d = this.dns;
    if (d.nodeLocalAddresses.length > 0) {
      return {
        name: 'node-local-dns', namespace: d.namespace, labels: {}, serviceAccount: 'node-local-dns', meshed: false,
        ports: { dns: 53 }, addresses: [String(d.nodeLocalAddresses[0]).split('/')[0]],
      };
    }
    return {
      name: d.serviceName, namespace: d.namespace, labels: d.podLabels, serviceAccount: d.serviceAccount, meshed: false, ports: { dns: d.port },
    };
  }

  /** An edge proxy (the API gateway, the ingress controller) as a flow's source. */
  public edgeProxyWorkload(which: 'apiGateway' | 'ingressController'): FlowWorkload {
    const e = this[which];
    return {
      name: e.name, namespace: e.namespace, labels: e.podLabels, serviceAccount: e.serviceAccount, meshed: e.meshed,
      ports: { http: e.httpPort, https: e.httpsPort },
    };
  }

  /** The mTLS principal of an edge proxy's pods (which only a meshed proxy presents). */
  public edgeProxyPrincipal(which: 'apiGateway' | 'ingressController'): Principal {
    const e = this[which];
    return Principal.serviceAccount(e.namespace, e.serviceAccount, this.trustDomain);
  }

  /** Every platform component as a flow workload. */
  public workloads(chartNamespace: string): FlowWorkload[] {
    return [this.ingressGatewayWorkload(), this.prometheusWorkload(), this.tracingWorkload(), this.rateLimitWorkload(chartNamespace),
      this.istiodWorkload(), this.flaggerWorkload(), this.loadTesterWorkload(),
      this.edgeProxyWorkload('apiGateway'), this.edgeProxyWorkload('ingressController'),
      ...(this.egressGateway ? [this.egressGatewayWorkload()!] : [])];
  }
}
