/**
 * The platform read from a snapshot of the cluster. Which objects are which component:
 *
 * - istiod: Service `istio.serviceName` (`istiod`) in `istio.controlPlaneNamespace`: its selector, its pods'
 *   labels and ServiceAccount, the targets of its ports 15012 (xDS) and `https-webhook` (else 443), whether it injects
 *   native sidecars (its pods' `ENABLE_NATIVE_SIDECARS`);
 * - the ingress gateway: Service `ingressGateway.name` in `ingressGateway.namespace`: selector, pods, the
 *   targets of its HTTP (`http2` or `http`, else 80) and HTTPS (`https`, else 443) ports;
 * - Prometheus: Service `prometheus.serviceName` in `prometheus.namespace`: selector, pods, and the selector
 *   labels from its `Prometheus` resource when the snapshot holds it;
 * - the tracing collector: Service `tracing.serviceName` in `tracing.namespace`: selector, pods, the port of
 *   the protocol (9411 or one named `*zipkin*`; 4317 or `*otlp*`/`*otel*` without `http`) and its target;
 * - Flagger: Deployment `flagger.deploymentName` in `flagger.namespace`: pods, its `-metrics-server` argument;
 * - the rate-limit service, where the platform gives it a namespace: Service `rateLimit.name` there, its
 *   selector and gRPC port (`grpc*`, else 8081);
 * - the API server: the Endpoints (else EndpointSlices) of Service `kubernetes` in `default`: addresses, ports;
 * - the cluster DNS: Service `dns.serviceName` (`kube-dns`) in `dns.namespace`: selector, pods, the target of port 53,
 *   and NodeLocal DNSCache's `-localip` addresses when the namespace holds DaemonSet `node-local-dns`;
 * - the API gateway and the ingress controller: Service `<component>.serviceName` in `<component>.namespace`: selector, pods,
 *   the targets of its ports 80 and 443.
 *
 * The names and namespaces are the presets' (`options.presets`), else the default platform's.
 * A Service's pods are those of the workloads of its namespace whose pod template carries its
 * selector (https://kubernetes.io/docs/concepts/services-networking/service/#defining-a-service).
 */
import { Cidr } from '../core/cidr';
import { Codes } from '../core/codes';
import { MeshError } from '../core/errors';
import { ISTIO_VERSIONS, isIstioVersion, IstioVersion } from '../core/istio-version';
import { parseImageReference } from '../core/image-reference';
import type { DnsPlatformProps, EdgeProxyPlatformProps } from './network-props';
import type {
  FlaggerPlatformProps, IngressGatewayPlatformProps, IstioPlatformProps, MeshPlatformProps, PlatformComponent, PlatformLabels,
  PrometheusPlatformProps, TracingCollectorProps,
} from './platform-props';
import type { PlatformNeeds } from './platform-needs';
import { resolvePlatform, ResolvedPlatform } from './resolve';
import {
  arrayOf, describe, incomplete, Located, ResolvedServicePort, servicePorts, SnapshotFile, SnapshotIndex, SnapshotPods,
} from './snapshot-index';

export { snapshotFilesOf } from './snapshot-index';
export type { SnapshotFile } from './snapshot-index';

/** Options for {@link MeshPlatform.fromManifests}. */
export interface PlatformSnapshotOptions {
  /**
   * The platform as installed, by presets or props (`{ ingressGateway: IngressGatewayInstall.helmChart({...}) }`):
   * where each component runs (its Service's name and namespace), what a snapshot cannot show
   * (the trust domain, the tracing provider's name, Prometheus's address), and what the
   * snapshot must agree with: a value given here that the snapshot contradicts is an error
   * naming both (MESH082).
   * @default - the default platform's names and namespaces; every value from the snapshot
   */
  readonly presets?: MeshPlatformProps;
  /**
   * The components read from the snapshot, each of which it must hold (MESH081 for one it
   * lacks); the others are the presets'. Leave out one the snapshot cannot describe (a gateway
   * Service in front of two Deployments of different ServiceAccounts) and give its props.
   * @default - istiod, the ingress gateway, Prometheus, the collector and Flagger, which the
   *   snapshot must hold, and the rate-limit service, the API server's endpoints, the cluster DNS,
   *   the API gateway and the ingress controller when it holds them
   */
  readonly components?: readonly PlatformComponent[];
}

const REQUIRED: readonly PlatformComponent[] = ['istiod', 'ingressGateway', 'prometheus', 'tracing', 'flagger'];

const DISPLAY: Record<PlatformComponent, string> = {
  istiod: 'istiod', ingressGateway: 'the ingress gateway', prometheus: 'Prometheus', tracing: 'the tracing collector',
  flagger: 'Flagger', rateLimit: 'the rate-limit service', apiServer: "the API server's endpoints", dns: 'the cluster DNS',
  apiGateway: 'the API gateway', ingressController: 'the ingress controller',
};

/** The components read when the snapshot holds them, unless `components` names others. */
const OPTIONAL: readonly PlatformComponent[] = ['rateLimit', 'apiServer', 'dns', 'apiGateway', 'ingressController'];

/** What one reader needs. */
interface Context {
  readonly index: SnapshotIndex;
  readonly base: ResolvedPlatform;
  readonly presets: MeshPlatformProps;
  /** The components the snapshot must hold. */
  readonly required: ReadonlySet<PlatformComponent>;
  /** The components read from it. */
  readonly read: ReadonlySet<PlatformComponent>;
  /** The components the manifests need, with the object that needs each, when they decide what is required. */
  readonly needs?: PlatformNeeds;
}

/** Every component a snapshot may describe. */
export const PLATFORM_COMPONENTS: readonly PlatformComponent[] = [...REQUIRED, ...OPTIONAL];

/**
 * The props of the platform `files` show; throws a {@link MeshError} (MESH080-MESH083) naming the file.
 * Without `options.components`, `needs` (the components a set of manifests needs, ./platform-needs.ts)
 * are the components the snapshot must hold, instead of istiod, the gateway, Prometheus, the
 * collector and Flagger; every component is read where the snapshot holds it.
 */
export function platformPropsFromSnapshot(
  files: readonly SnapshotFile[], options: PlatformSnapshotOptions = {}, needs?: PlatformNeeds,
): MeshPlatformProps {
  const presets = options.presets ?? {};
  const needed = options.components ? undefined : needs;
  const required = new Set(options.components ?? (needed ? needed.keys() : REQUIRED));
  const read = new Set<PlatformComponent>(options.components ?? PLATFORM_COMPONENTS);
  const ctx: Context = { index: new SnapshotIndex(files), base: resolvePlatform(presets), presets, required, read, needs: needed };
  return {
    trustDomain: ctx.base.trustDomain,
    // Not read from the snapshot (no object of it says the kubelets' version): the presets'.
    kubernetesVersion: presets.kubernetesVersion,
    istio: readIstiod(ctx) ?? presets.istio,
    ingressGateway: readGateway(ctx) ?? presets.ingressGateway,
    prometheus: readPrometheus(ctx) ?? presets.prometheus,
    tracing: readTracing(ctx) ?? presets.tracing,
    rateLimit: readRateLimit(ctx) ?? presets.rateLimit,
    flagger: readFlagger(ctx) ?? presets.flagger,
    // Not read from the snapshot: the presets' (else the Flagger docs' install).
    loadTester: presets.loadTester,
    // Not read from the snapshot either: the presets' egress gateway as given (else none).
    egressGateway: presets.egressGateway,
    apiServer: readApiServer(ctx) ?? presets.apiServer,
    dns: readDns(ctx) ?? presets.dns,
    apiGateway: readEdgeProxy(ctx, 'apiGateway') ?? presets.apiGateway,
    ingressController: readEdgeProxy(ctx, 'ingressController') ?? presets.ingressController,
    // Istio configuration, not a component's pods: the platform team's Gateways are the presets' as given.
    gateways: presets.gateways,
  };
}

/**
 * The component's Service; undefined when the component is not read, or when the snapshot
 * lacks it and it is not required (MESH081 when it is).
 */
function serviceOf(ctx: Context, component: PlatformComponent, namespace: string, name: string, field: string): Located | undefined {
  if (!ctx.read.has(component)) return undefined;
  const found = ctx.index.service(namespace, name);
  if (found || !ctx.required.has(component)) return found;
  const others = ctx.index.serviceNames(namespace);
  throw missing(ctx, component, `${DISPLAY[component]}: no Service ${namespace}/${name}`
    + ` (the platform's ${field}; Services in ${namespace}: ${others.length > 0 ? others.join(', ') : 'none'})`);
}

/** Compares what the platform says (`given`, when given) with what the snapshot shows; MESH082 naming both. */
class Compare {
  public constructor(private readonly field: string, private readonly installedBy: string | undefined, private readonly where: string) {}

  /** Equal values (maps compared by content). */
  public same(name: string, given: unknown, found: unknown, what: string): void {
    if (given === undefined || JSON.stringify(sorted(given)) === JSON.stringify(sorted(found))) return;
    throw this.error(name, show(given), `${what} ${show(found)}`);
  }

  /** Every label of `given` on the pods. */
  public labelsOn(name: string, given: PlatformLabels | undefined, pods: SnapshotPods): void {
    const missing = Object.entries(given ?? {}).filter(([k, v]) => pods.labels[k] !== v);
    if (missing.length === 0) return;
    const [k, v] = missing[0];
    throw this.error(`${name}.${k}`, v, `pods (${pods.owners}) ${pods.labels[k] === undefined ? 'do not carry it' : `have ${pods.labels[k]}`}`);
  }

  private error(name: string, given: string, found: string): MeshError {
    const by = this.installedBy ? ` (${this.installedBy})` : '';
    return new MeshError(Codes.PLATFORM_CONTRADICTED,
      `${this.where}: ${this.field}.${name}: the platform says ${given}${by}, the snapshot's ${found}`);
  }
}

function readIstiod(ctx: Context): IstioPlatformProps | undefined {
  const base = ctx.base.istio;
  const given = ctx.presets.istio ?? {};
  const service = serviceOf(ctx, 'istiod', base.controlPlaneNamespace, base.serviceName, 'istio.serviceName and istio.controlPlaneNamespace');
  if (!service) return undefined;
  const pods = ctx.index.podsOf(service);
  const ports = servicePorts(service, pods);
  // Sidecars dial istiod.<namespace>.svc:15012 (the chart's https-dns port); the API server calls the webhook on `https-webhook` (443 -> 15017).
  // https://github.com/istio/istio/blob/1.24.6/manifests/charts/istio-control/istio-discovery/templates/service.yaml
  const xds = need(ports.find((p) => p.port === 15012), service, 'no port 15012 (xDS)');
  const webhook = need(ports.find((p) => p.name === 'https-webhook') ?? ports.find((p) => p.port === 443), service, "no port 'https-webhook' (443)");
  const c = new Compare('istio', undefined, service.file);
  c.same('serviceAccount', given.serviceAccount, pods.serviceAccount, `pods (${pods.owners}) use`);
  c.same('serviceSelector', given.serviceSelector, service.object.spec.selector, `Service ${service.object.metadata.name} selects`);
  c.labelsOn('istiodLabels', given.istiodLabels, pods);
  c.same('xdsPort', given.xdsPort, xds.targetPort, 'Service port 15012 targets');
  c.same('webhookPort', given.webhookPort, webhook.targetPort, `Service port ${webhook.port} targets`);
  const { version, release } = istiodRelease(base, given, pods, c);
  const nativeSidecars = nativeSidecarsOf(pods.env.ENABLE_NATIVE_SIDECARS, version);
  if (nativeSidecars !== undefined) {
    c.same('nativeSidecars', given.nativeSidecars, nativeSidecars, `pods (${pods.owners}) have ENABLE_NATIVE_SIDECARS`);
  }
  return {
    version, release,
    rootNamespace: base.rootNamespace, controlPlaneNamespace: base.controlPlaneNamespace, revision: base.revision, serviceName: base.serviceName,
    istiodLabels: pods.labels, serviceSelector: labelsOf(service.object.spec.selector), serviceAccount: pods.serviceAccount,
    xdsPort: xds.targetPort, webhookPort: webhook.targetPort, nativeSidecars: nativeSidecars ?? given.nativeSidecars,
  };
}

/**
 * The Istio release istiod runs, from its image's tag: the chart writes `<hub>/pilot:<tag>`, the tag the release
 * (`1.30.3`, or `1.30.3-distroless`; istio/istio manifests/charts/istio-control/istio-discovery/templates/deployment.yaml,
 * `image: "{{ .Values.hub }}/{{ .Values.image }}:{{ .Values.tag }}"`, whose tag defaults to the chart's version). It picks
 * the CRDs and webhook rules validation applies and the `helm upgrade --version` the library writes
 * (https://istio.io/latest/docs/setup/install/helm/): a preset it contradicts is MESH082, and a release the validation does
 * not know fails unless the presets choose the rules to check with (`istio.version`). An image without such a tag (a digest,
 * a tag of one's own) says nothing: the presets' release, else the default's.
 */
function istiodRelease(
  base: { version: IstioVersion; release: string }, given: IstioPlatformProps, pods: SnapshotPods, c: Compare,
): { version: IstioVersion; release: string } {
  const running = pods.images.map((image) => {
    const parsed = parseImageReference(image);
    return { image, ref: 'reference' in parsed ? parsed.reference : undefined };
  })
    .filter((i) => i.ref && i.ref.path.split('/').pop() === 'pilot' && i.ref.tag !== undefined)
    .map((i) => ({ image: i.image, m: /^(\d+)\.(\d+)\.(\d+)(?:-[A-Za-z0-9.-]+)?$/.exec(i.ref!.tag!) }))
    .find((i) => i.m);
  if (!running) return base;
  const m = running.m!;
  const minor = `${m[1]}.${m[2]}`;
  const release = `${m[1]}.${m[2]}.${m[3]}`;
  const what = `istiod (pods ${pods.owners}) runs ${running.image}, release`;
  if (!isIstioVersion(minor)) {
    if (given.version !== undefined) return base;
    throw new MeshError(Codes.PLATFORM_CONTRADICTED,
      `${pods.file}: istio.version: ${what} ${release}, which the validation does not know (${ISTIO_VERSIONS.join(', ')}): give `
      + 'istio.version in the presets to choose the CRDs and webhook rules it is checked against');
  }
  c.same('version', given.version, minor, what);
  c.same('release', given.release, release, what);
  return { version: minor, release };
}

/**
 * Whether istiod, its `ENABLE_NATIVE_SIDECARS` set to `value` (undefined: unset), injects native sidecars; undefined when that depends
 * on what a snapshot does not show. Istio 1.24's injection template compares the text with "true" (injection-template.yaml,
 * `eq (env "ENABLE_NATIVE_SIDECARS" "false") "true"`), unset being false (pilot/pkg/features/experimental.go); from 1.27 unset is
 * `auto`, native where every node's kubelet is 1.33 or later (pkg/kube/inject/webhook.go, DetectNativeSidecar), and a value
 * other than true, false and auto is false (pilot/pkg/features/pilot.go, EnableNativeSidecars).
 */
function nativeSidecarsOf(value: string | undefined, version: IstioVersion): boolean | undefined {
  if (value === 'true') return true;
  if (version === '1.24') return false;
  return value === undefined || value === 'auto' ? undefined : false;
}

function readGateway(ctx: Context): IngressGatewayPlatformProps | undefined {
  const base = ctx.base.ingressGateway;
  const given = ctx.presets.ingressGateway ?? {};
  const service = serviceOf(ctx, 'ingressGateway', base.namespace, base.name, 'ingressGateway.name and ingressGateway.namespace');
  if (!service) return undefined;
  const pods = ctx.index.podsOf(service);
  const ports = servicePorts(service, pods);
  const c = new Compare('ingressGateway', given.installedBy, service.file);
  const portOf = (field: string, givenPort: number | undefined, names: string[], fallback: number): ResolvedServicePort => {
    if (givenPort !== undefined) {
      const p = ports.find((x) => x.port === givenPort);
      if (!p) c.same(field, givenPort, ports.map((x) => x.port), `Service ${service.object.metadata.name} has ports`);
      return p!;
    }
    const named = ports.find((p) => names.includes(p.name ?? '')) ?? ports.find((p) => p.port === fallback);
    return need(named, service, `no port named ${names.join(' or ')} (else ${fallback})`);
  };
  const http = portOf('httpServicePort', given.httpServicePort, ['http2', 'http'], 80);
  const https = portOf('httpsServicePort', given.httpsServicePort, ['https'], 443);
  c.same('serviceAccount', given.serviceAccount, pods.serviceAccount, `pods (${pods.owners}) use`);
  c.same('httpPort', given.httpPort, http.targetPort, `Service port ${http.port} targets`);
  c.same('httpsPort', given.httpsPort, https.targetPort, `Service port ${https.port} targets`);
  c.same('serviceSelector', given.serviceSelector, service.object.spec.selector, `Service ${service.object.metadata.name} selects`);
  // The other ports the platform states must be the Service's, each targeting the pods' port of its number; those it does not
  // state (a status port) are no Gateway server's, and stay unassumed.
  const served = ports.filter((p) => p !== http && p !== https && p.targetPort === p.port).map((p) => p.port);
  if (given.otherPorts?.some((p) => !served.includes(p))) {
    c.same('otherPorts', given.otherPorts, served, `Service ${service.object.metadata.name} has, besides HTTP and HTTPS, ports`);
  }
  const otherPorts = [...(given.otherPorts ?? [])];
  c.labelsOn('selector', given.selector, pods);
  c.labelsOn('podLabels', given.podLabels, pods);
  const selector = labelsOf(service.object.spec.selector);
  return {
    installedBy: given.installedBy ?? `the snapshot (${pods.file})`, name: base.name, namespace: base.namespace,
    podLabels: pods.labels, serviceSelector: selector,
    // A Gateway selects the pods by their `istio` label, as Istio's examples do, unless the platform names other labels.
    selector: given.selector ?? (pods.labels.istio !== undefined ? { istio: pods.labels.istio } : selector),
    serviceAccount: pods.serviceAccount,
    httpPort: http.targetPort, httpsPort: https.targetPort, httpServicePort: http.port, httpsServicePort: https.port,
    otherPorts,
  };
}

function readPrometheus(ctx: Context): PrometheusPlatformProps | undefined {
  const base = ctx.base.prometheus;
  const given = ctx.presets.prometheus ?? {};
  const service = serviceOf(ctx, 'prometheus', base.namespace, base.serviceName, 'prometheus.serviceName and prometheus.namespace');
  if (!service) return undefined;
  const pods = ctx.index.podsOf(service);
  const c = new Compare('prometheus', given.installedBy, service.file);
  c.same('serviceAccount', given.serviceAccount, pods.serviceAccount, `pods (${pods.owners}) use`);
  c.same('serviceSelector', given.serviceSelector, service.object.spec.selector, `Service ${service.object.metadata.name} selects`);
  c.labelsOn('podLabels', given.podLabels, pods);
  const selectorLabels = prometheusSelectorLabels(ctx, pods);
  if (selectorLabels) c.same('selectorLabels', given.selectorLabels, selectorLabels.labels, `${selectorLabels.from} selects rules and monitors by`);
  return {
    installedBy: given.installedBy ?? `the snapshot (${pods.file})`, namespace: base.namespace, serviceName: base.serviceName,
    podLabels: pods.labels, serviceSelector: labelsOf(service.object.spec.selector), serviceAccount: pods.serviceAccount,
    selectorLabels: selectorLabels?.labels ?? base.selectorLabels, address: base.address,
  };
}

/**
 * The labels a PrometheusRule, PodMonitor and ServiceMonitor need for the Prometheus whose
 * pods these are (its resource is named by the pods' `operator.prometheus.io/name`): the
 * `matchLabels` of its ruleSelector, podMonitorSelector and serviceMonitorSelector together.
 * https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.PrometheusSpec
 */
function prometheusSelectorLabels(ctx: Context, pods: SnapshotPods): { labels: Record<string, string>; from: string } | undefined {
  const all = ctx.index.prometheusesIn(ctx.base.prometheus.namespace);
  const name = pods.labels['operator.prometheus.io/name'] ?? pods.labels.prometheus;
  const resource = all.find((p) => p.object.metadata?.name === name) ?? (all.length === 1 ? all[0] : undefined);
  if (!resource) return undefined;
  const labels: Record<string, string> = {};
  for (const field of ['ruleSelector', 'podMonitorSelector', 'serviceMonitorSelector']) {
    for (const [k, v] of Object.entries(resource.object.spec?.[field]?.matchLabels ?? {})) {
      if (labels[k] !== undefined && labels[k] !== String(v)) {
        throw incomplete(`${describe(resource)}: its selectors need ${k}=${labels[k]} and ${k}=${String(v)}: no PrometheusRule can carry both`);
      }
      labels[k] = String(v);
    }
  }
  return { labels, from: describe(resource) };
}

function readTracing(ctx: Context): TracingCollectorProps | undefined {
  const base = ctx.base.tracing;
  const given = ctx.presets.tracing ?? {};
  const service = serviceOf(ctx, 'tracing', base.namespace, base.serviceName, 'tracing.serviceName and tracing.namespace');
  if (!service) return undefined;
  const pods = ctx.index.podsOf(service);
  const ports = servicePorts(service, pods);
  const c = new Compare('tracing', given.installedBy, service.file);
  // Zipkin's API on 9411, OTLP/gRPC on 4317 (the collectors' defaults); otherwise a port named after the protocol.
  const zipkin = ports.find((p) => p.port === 9411) ?? ports.find((p) => /zipkin/i.test(p.name ?? ''));
  const otlp = ports.find((p) => p.port === 4317) ?? ports.find((p) => /otlp|otel/i.test(p.name ?? '') && !/http/i.test(p.name ?? ''));
  const protocol = given.protocol ?? (zipkin || !otlp ? base.protocol : 'opentelemetry');
  let port: ResolvedServicePort | undefined;
  if (given.port !== undefined) {
    port = ports.find((p) => p.port === given.port);
    if (!port) c.same('port', given.port, ports.map((p) => p.port), `Service ${service.object.metadata.name} has ports`);
  } else {
    port = protocol === 'zipkin' ? need(zipkin, service, "no Zipkin port (9411, or one named '*zipkin*')")
      : need(otlp, service, "no OTLP/gRPC port (4317, or one named '*otlp*' or '*otel*' without 'http')");
  }
  c.same('serviceAccount', given.serviceAccount, pods.serviceAccount, `pods (${pods.owners}) use`);
  c.same('serviceSelector', given.serviceSelector, service.object.spec.selector, `Service ${service.object.metadata.name} selects`);
  c.labelsOn('podLabels', given.podLabels, pods);
  c.same('targetPort', given.targetPort, port!.targetPort, `Service port ${port!.port} targets`);
  return {
    installedBy: given.installedBy ?? `the snapshot (${pods.file})`, providerName: base.providerName, serviceName: base.serviceName,
    namespace: base.namespace, protocol, port: port!.port, targetPort: port!.targetPort,
    podLabels: pods.labels, serviceSelector: labelsOf(service.object.spec.selector), serviceAccount: pods.serviceAccount,
  };
}

function readFlagger(ctx: Context): FlaggerPlatformProps | undefined {
  const base = ctx.base.flagger;
  const given = ctx.presets.flagger ?? {};
  const workload = ctx.read.has('flagger') ? ctx.index.workload(base.namespace, base.deploymentName) : undefined;
  if (!workload) {
    if (!ctx.required.has('flagger')) return undefined;
    throw missing(ctx, 'flagger', `Flagger: no Deployment ${base.namespace}/${base.deploymentName}`
      + " (the platform's flagger.deploymentName and flagger.namespace)");
  }
  const pods = ctx.index.podsOfWorkload(workload);
  // The chart passes `-metrics-server=<url>` (charts/flagger/templates/deployment.yaml); Go's flag package takes one or two dashes.
  const arg = pods.args.map((a) => /^--?metrics-server=(.+)$/.exec(a)?.[1]).find((a) => a !== undefined);
  const c = new Compare('flagger', undefined, pods.file);
  c.same('serviceAccount', given.serviceAccount, pods.serviceAccount, `pods (${pods.owners}) use`);
  c.labelsOn('podLabels', given.podLabels, pods);
  if (arg !== undefined) c.same('prometheusAddress', given.prometheusAddress, arg, `Deployment ${base.deploymentName} queries`);
  return {
    namespace: base.namespace, deploymentName: base.deploymentName, podLabels: pods.labels, serviceAccount: pods.serviceAccount,
    prometheusAddress: arg ?? base.prometheusAddress,
  };
}

function readRateLimit(ctx: Context): MeshPlatformProps['rateLimit'] {
  const base = ctx.base.rateLimit;
  if (base.namespace === undefined) {
    if (ctx.required.has('rateLimit')) {
      throw new MeshError(Codes.PLATFORM_COMPONENT_MISSING,
        `${ctx.index.files}: the rate-limit service is read from a snapshot only where the platform gives it a namespace (rateLimit.namespace)`);
    }
    return undefined;
  }
  const service = serviceOf(ctx, 'rateLimit', base.namespace, base.name, 'rateLimit.name and rateLimit.namespace');
  if (!service) return undefined;
  const pods = ctx.index.podsOf(service);
  const ports = servicePorts(service, pods);
  const given = ctx.presets.rateLimit ?? {};
  const grpc = given.grpcPort !== undefined ? ports.find((p) => p.port === given.grpcPort)
    : ports.find((p) => /^grpc/.test(p.name ?? '')) ?? ports.find((p) => p.port === 8081);
  const c = new Compare('rateLimit', undefined, service.file);
  if (!grpc && given.grpcPort !== undefined) c.same('grpcPort', given.grpcPort, ports.map((p) => p.port), `Service ${base.name} has ports`);
  const port = need(grpc, service, "no gRPC port (named 'grpc*', else 8081)");
  if (port.targetPort !== port.port) {
    throw incomplete(`${describe(service)}: port ${port.port} targets ${port.targetPort}:`
      + ' the platform needs the rate-limit service on one port number');
  }
  c.same('podLabels', given.podLabels, service.object.spec.selector, `Service ${base.name} selects`);
  return { name: base.name, namespace: base.namespace, grpcPort: port.port, podLabels: labelsOf(service.object.spec.selector) };
}

function readApiServer(ctx: Context): MeshPlatformProps['apiServer'] {
  const base = ctx.base.apiServer;
  const found = ctx.read.has('apiServer') ? ctx.index.endpoints(base.namespace, base.serviceName) : undefined;
  if (!found || found.addresses.length === 0) {
    if (!ctx.required.has('apiServer')) return undefined;
    throw missing(ctx, 'apiServer', `the API server's endpoints: no Endpoints or EndpointSlice of Service ${base.namespace}/${base.serviceName}`
      + ` with an address (kubectl get endpoints,endpointslices -n ${base.namespace} -o yaml)`);
  }
  const endpoints = found.addresses.map((a) => Cidr.of(`${a}/${a.includes(':') ? 128 : 32}`));
  const given = ctx.presets.apiServer ?? {};
  const c = new Compare('apiServer', undefined, found.file);
  c.same('endpoints', given.endpoints?.map(String), endpoints.map(String), 'endpoints are');
  c.same('ports', given.ports, found.ports, 'endpoints serve');
  return { serviceName: base.serviceName, namespace: base.namespace, endpoints, ports: found.ports };
}

/**
 * The cluster DNS: Service `dns.serviceName` in `dns.namespace` (its selector, pods and the
 * target of its port 53), and NodeLocal DNSCache when the namespace holds its DaemonSet
 * `node-local-dns`, whose `-localip` argument lists the addresses it answers on
 * (kubernetes/kubernetes cluster/addons/dns/nodelocaldns/nodelocaldns.yaml:
 * `args: [ "-localip", "__PILLAR__LOCAL__DNS__,__PILLAR__DNS__SERVER__", ... ]`).
 */
function readDns(ctx: Context): DnsPlatformProps | undefined {
  const base = ctx.base.dns;
  const given = ctx.presets.dns ?? {};
  const service = serviceOf(ctx, 'dns', base.namespace, base.serviceName, 'dns.serviceName and dns.namespace');
  if (!service) return undefined;
  const pods = ctx.index.podsOf(service);
  const port = need(servicePorts(service, pods).find((p) => p.port === 53), service, 'no port 53');
  const c = new Compare('dns', given.installedBy, service.file);
  c.same('serviceAccount', given.serviceAccount, pods.serviceAccount, `pods (${pods.owners}) use`);
  c.same('serviceSelector', given.serviceSelector, service.object.spec.selector, `Service ${base.serviceName} selects`);
  c.labelsOn('podLabels', given.podLabels, pods);
  c.same('port', given.port, port.targetPort, 'Service port 53 targets');
  const cache = ctx.index.workload(base.namespace, 'node-local-dns');
  let nodeLocalAddresses: Cidr[] = [];
  if (cache) {
    const args = ctx.index.podsOfWorkload(cache).args;
    const at = args.indexOf('-localip');
    const list = at >= 0 ? args[at + 1] : args.map((a) => /^--?localip=(.+)$/.exec(a)?.[1]).find((a) => a !== undefined);
    if (list === undefined) throw incomplete(`${describe(cache)} has no -localip argument: the addresses it answers on are unknown`);
    nodeLocalAddresses = list.split(',').filter((a) => a !== '').map((a) => Cidr.of(`${a}/${a.includes(':') ? 128 : 32}`));
    c.same('nodeLocalAddresses', given.nodeLocalAddresses?.map(String), nodeLocalAddresses.map(String), `${describe(cache)} answers on`);
  }
  return {
    installedBy: given.installedBy ?? `the snapshot (${pods.file})`, namespace: base.namespace, serviceName: base.serviceName,
    podLabels: pods.labels, serviceSelector: labelsOf(service.object.spec.selector), serviceAccount: pods.serviceAccount,
    port: port.targetPort, nodeLocalAddresses,
  };
}

/**
 * An edge proxy: the Service `<component>.serviceName` in `<component>.namespace`, its selector,
 * pods and ServiceAccount, and the pods' ports its 80 and 443 target. Whether its pods are meshed and how it addresses a service are the
 * presets' (a snapshot of Deployments does not show the namespace's injection).
 */
function readEdgeProxy(ctx: Context, component: 'apiGateway' | 'ingressController'): EdgeProxyPlatformProps | undefined {
  const base = ctx.base[component];
  const given = ctx.presets[component] ?? {};
  const service = serviceOf(ctx, component, base.namespace, base.serviceName, `${component}.serviceName and ${component}.namespace`);
  if (!service) return undefined;
  const pods = ctx.index.podsOf(service);
  const ports = servicePorts(service, pods);
  const http = need(ports.find((p) => p.port === 80), service, 'no port 80 (HTTP)');
  const https = need(ports.find((p) => p.port === 443), service, 'no port 443 (HTTPS)');
  const c = new Compare(component, given.installedBy, service.file);
  c.same('serviceAccount', given.serviceAccount, pods.serviceAccount, `pods (${pods.owners}) use`);
  c.same('serviceSelector', given.serviceSelector, service.object.spec.selector, `Service ${base.serviceName} selects`);
  c.labelsOn('podLabels', given.podLabels, pods);
  c.same('httpPort', given.httpPort, http.targetPort, 'Service port 80 targets');
  c.same('httpsPort', given.httpsPort, https.targetPort, 'Service port 443 targets');
  return {
    ...base, installedBy: given.installedBy ?? `the snapshot (${pods.file})`,
    podLabels: pods.labels, serviceSelector: labelsOf(service.object.spec.selector), serviceAccount: pods.serviceAccount,
    httpPort: http.targetPort, httpsPort: https.targetPort,
  };
}

/** MESH081: the snapshot (all its files) lacks `what`, the platform's `component` (and why it is needed, when the manifests decide). */
function missing(ctx: Context, component: PlatformComponent, what: string): MeshError {
  const by = ctx.needs?.get(component);
  const why = by ? `; ${by} needs it (a platform file's \`components\` lists the components the cluster runs)` : '';
  return new MeshError(Codes.PLATFORM_COMPONENT_MISSING, `${ctx.index.files}: the snapshot lacks ${what}${why}`);
}

/** `port`, or MESH083 naming the Service and what it lacks. */
function need(port: ResolvedServicePort | undefined, service: Located, lacks: string): ResolvedServicePort {
  if (port) return port;
  const has = arrayOf(service.object.spec?.ports).map((p) => `${p.name ?? ''}${p.name ? ' ' : ''}${p.port}`).join(', ');
  throw incomplete(`${describe(service)} has ${lacks}: its ports are ${has || 'none'}`);
}

function labelsOf(selector: unknown): Record<string, string> {
  return Object.fromEntries(Object.entries(selector as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
}

/** A value with its maps' keys in order and lists sorted, for comparison. */
function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted).sort();
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, sorted(x)]));
  return v;
}

function show(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' ? String(v) : JSON.stringify(sorted(v));
}
