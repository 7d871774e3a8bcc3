/**
 * The platform's props with every default worked out, and checked: the defaults are the
 * seeds' platform (istiod, istioctl's ingress gateway and Flagger in istio-system;
 * kube-prometheus-stack and the Jaeger operator's collector in observability), each taken
 * from its preset so that the default and the preset cannot drift apart.
 */
import { Codes } from '../core/codes';
import {
  checkIstioVersion, DEFAULT_ISTIO_VERSION, isIstioVersion, ISTIO_VERSIONS, IstioVersion, PACKAGED_ISTIO_RELEASES,
} from '../core/istio-version';
import { MeshError } from '../core/errors';
import { dns1123LabelProblem, isGatewayHost } from '../core/names';
import type {
  EgressGatewayPlatformProps, FlaggerPlatformProps, IngressGatewayPlatformProps, IstioPlatformProps, MeshPlatformProps, PlatformApiServer,
  PlatformFlagger,
  PlatformGateway, PlatformGatewayProps,
  PlatformEgressGateway, PlatformIngressGateway, PlatformIstio, PlatformLabels, PlatformPrometheus, PlatformRateLimit, PlatformTracing,
  PrometheusPlatformProps, TracingCollectorProps,
} from './platform-props';
import type { Cidr } from '../core/cidr';
import type { DnsPlatformProps, EdgeProxyPlatformProps, PlatformDns, PlatformEdgeProxy } from './network-props';
import { DnsInstall, EdgeProxyInstall } from './network-presets';
import { EgressGatewayInstall, IngressGatewayInstall, PrometheusInstall, TracingCollectorInstall } from './presets';
import type { LoadTesterPlatformProps, PlatformLoadTester } from './load-tester';
import { DOCS_LOAD_TESTER } from './load-tester-install';

/** Every component of a platform, resolved. */
export interface ResolvedPlatform {
  readonly trustDomain: string;
  readonly kubernetesVersion?: string;
  readonly istio: PlatformIstio;
  readonly ingressGateway: PlatformIngressGateway;
  readonly egressGateway?: PlatformEgressGateway;
  readonly prometheus: PlatformPrometheus;
  readonly tracing: PlatformTracing;
  readonly rateLimit: PlatformRateLimit;
  readonly flagger: PlatformFlagger;
  readonly loadTester: PlatformLoadTester;
  readonly apiServer: PlatformApiServer;
  readonly dns: PlatformDns;
  readonly apiGateway: PlatformEdgeProxy;
  readonly ingressController: PlatformEdgeProxy;
  readonly gateways: readonly PlatformGateway[];
}

/** Seed 003's API gateway: Kong from its Helm chart, with an Istio sidecar (`Kong → Istio Sidecar (mTLS) → Backend Service`). */
export const SEED_API_GATEWAY = EdgeProxyInstall.kongHelmChart({ release: 'kong', namespace: 'kong', meshed: true });
/** Seed 003's ingress controller in front of Kong: ingress-nginx from its Helm chart, without a sidecar. */
export const SEED_INGRESS_CONTROLLER = EdgeProxyInstall.ingressNginxHelmChart({
  release: 'ingress-nginx', namespace: 'ingress-nginx', meshed: false,
});

/** What messages call a component whose props were given without a preset. */
const AS_GIVEN = 'as given';

/** `props` with the defaults filled in; throws a {@link MeshError} on a bad name, port or selector. */
export function resolvePlatform(props: MeshPlatformProps): ResolvedPlatform {
  const istio = resolveIstio(props.istio ?? {});
  const prometheus = resolvePrometheus(props.prometheus ?? {});
  const rl = props.rateLimit ?? {};
  const api = props.apiServer ?? {};
  const apiNamespace = api.namespace ?? 'default';
  const apiService = api.serviceName ?? 'kubernetes';
  const ingressGateway = resolveGateway(props.ingressGateway ?? {});
  const resolved: ResolvedPlatform = {
    trustDomain: props.trustDomain ?? 'cluster.local',
    kubernetesVersion: props.kubernetesVersion === undefined ? undefined : checkKubernetesVersion(props.kubernetesVersion),
    istio,
    ingressGateway,
    egressGateway: props.egressGateway === undefined ? undefined : resolveEgressGateway(props.egressGateway),
    prometheus,
    tracing: resolveTracing(props.tracing ?? {}),
    rateLimit: {
      name: rl.name ?? 'ratelimit',
      namespace: rl.namespace,
      grpcPort: port('rateLimit.grpcPort', rl.grpcPort ?? 8081),
      podLabels: { ...(rl.podLabels ?? { app: 'ratelimit' }) },
    },
    flagger: resolveFlagger(props.flagger ?? {}, prometheus.address),
    loadTester: resolveLoadTester(props.loadTester),
    apiServer: {
      serviceName: apiService,
      namespace: apiNamespace,
      endpoints: notPlaceholders('apiServer.endpoints', api.endpoints ?? []),
      ports: (api.ports ?? [443, 6443]).map((p, i) => port(`apiServer.ports[${i}]`, p)),
      host: `${apiService}.${apiNamespace}.svc.cluster.local`,
    },
    dns: resolveDns(props.dns ?? {}),
    apiGateway: resolveEdgeProxy('apiGateway', props.apiGateway, SEED_API_GATEWAY),
    ingressController: resolveEdgeProxy('ingressController', props.ingressController, SEED_INGRESS_CONTROLLER),
    gateways: resolveGateways(props.gateways ?? [], ingressGateway),
  };
  checkNames(resolved);
  checkSelectors(resolved);
  return resolved;
}

function resolveIstio(i: IstioPlatformProps): PlatformIstio {
  const rootNamespace = i.rootNamespace ?? 'istio-system';
  const rev = i.revision;
  const serviceName = i.serviceName ?? (rev ? `istiod-${rev}` : 'istiod');
  // istio-discovery's templates/deployment.yaml (pod labels) and templates/service.yaml (selector), Istio 1.24.6.
  const istiodLabels = i.istiodLabels ?? {
    'app': 'istiod',
    'istio': rev ? 'istiod' : 'pilot',
    'istio.io/rev': rev ?? 'default',
    'sidecar.istio.io/inject': 'false',
    'operator.istio.io/component': 'Pilot',
    'istio.io/dataplane-mode': 'none',
    'app.kubernetes.io/name': 'istiod',
    'app.kubernetes.io/part-of': 'istio',
  };
  const defaultSelector: PlatformLabels = rev ? { 'app': 'istiod', 'istio.io/rev': rev } : { app: 'istiod', istio: 'pilot' };
  const version = i.version !== undefined ? checkIstioVersion(i.version, 'istio.version') : versionOfRelease(i.release);
  return {
    version,
    release: istioRelease(i.release ?? PACKAGED_ISTIO_RELEASES[version], version),
    rootNamespace,
    controlPlaneNamespace: i.controlPlaneNamespace ?? rootNamespace,
    revision: rev,
    serviceName,
    istiodLabels: { ...istiodLabels },
    serviceSelector: { ...(i.serviceSelector ?? i.istiodLabels ?? defaultSelector) },
    serviceAccount: i.serviceAccount ?? serviceName,
    xdsPort: port('istio.xdsPort', i.xdsPort ?? 15012),
    webhookPort: port('istio.webhookPort', i.webhookPort ?? 15017),
    nativeSidecars: i.nativeSidecars ?? false,
  };
}

function resolveGateway(g: IngressGatewayPlatformProps): PlatformIngressGateway {
  const base = IngressGatewayInstall.istioctl();
  const podLabels = g.podLabels ?? base.podLabels;
  // Pods described by their labels alone: the Gateway selects them by their `istio` label, as Istio's examples do.
  const selector = g.selector ?? (g.podLabels ? (g.podLabels.istio !== undefined ? { istio: g.podLabels.istio } : g.podLabels) : base.selector);
  return {
    installedBy: g.installedBy ?? (Object.keys(g).length === 0 ? base.installedBy : AS_GIVEN),
    name: g.name ?? base.name,
    namespace: g.namespace ?? base.namespace,
    podLabels: { ...podLabels },
    serviceSelector: { ...(g.serviceSelector ?? g.podLabels ?? base.serviceSelector) },
    selector: { ...selector },
    serviceAccount: g.serviceAccount ?? base.serviceAccount,
    httpPort: port('ingressGateway.httpPort', g.httpPort ?? base.httpPort),
    httpsPort: port('ingressGateway.httpsPort', g.httpsPort ?? base.httpsPort),
    httpServicePort: port('ingressGateway.httpServicePort', g.httpServicePort ?? base.httpServicePort),
    httpsServicePort: port('ingressGateway.httpsServicePort', g.httpsServicePort ?? base.httpsServicePort),
    otherPorts: Object.freeze((g.otherPorts ?? base.otherPorts).map((p, i) => port(`ingressGateway.otherPorts[${i}]`, p))),
  };
}

/** The egress gateway: every field not given is istioctl's egress gateway's. */
function resolveEgressGateway(g: EgressGatewayPlatformProps): PlatformEgressGateway {
  const base = EgressGatewayInstall.istioctl();
  const podLabels = g.podLabels ?? base.podLabels;
  const selector = g.selector ?? (g.podLabels ? (g.podLabels.istio !== undefined ? { istio: g.podLabels.istio } : g.podLabels) : base.selector);
  const name = g.name ?? base.name;
  const namespace = g.namespace ?? base.namespace;
  return {
    installedBy: g.installedBy ?? (Object.keys(g).length === 0 ? base.installedBy : AS_GIVEN),
    name,
    namespace,
    podLabels: { ...podLabels },
    serviceSelector: { ...(g.serviceSelector ?? g.podLabels ?? base.serviceSelector) },
    selector: { ...selector },
    serviceAccount: g.serviceAccount ?? base.serviceAccount,
    httpPort: port('egressGateway.httpPort', g.httpPort ?? base.httpPort),
    httpsPort: port('egressGateway.httpsPort', g.httpsPort ?? base.httpsPort),
    httpServicePort: port('egressGateway.httpServicePort', g.httpServicePort ?? base.httpServicePort),
    httpsServicePort: port('egressGateway.httpsServicePort', g.httpsServicePort ?? base.httpsServicePort),
    host: `${name}.${namespace}.svc.cluster.local`,
  };
}

function resolvePrometheus(p: PrometheusPlatformProps): PlatformPrometheus {
  const namespace = p.namespace ?? 'observability';
  const base = PrometheusInstall.kubePrometheusStack({ namespace: dns1123LabelProblem(namespace) ? undefined : namespace });
  return {
    installedBy: p.installedBy ?? (Object.keys(p).length === 0 ? base.installedBy : AS_GIVEN),
    namespace,
    serviceName: p.serviceName ?? base.serviceName,
    podLabels: { ...(p.podLabels ?? base.podLabels) },
    serviceSelector: { ...(p.serviceSelector ?? p.podLabels ?? base.serviceSelector) },
    serviceAccount: p.serviceAccount ?? base.serviceAccount,
    selectorLabels: { ...(p.selectorLabels ?? base.selectorLabels) },
    address: p.address ?? `http://prometheus-operated.${namespace}.svc.cluster.local:9090`,
  };
}

function resolveTracing(t: TracingCollectorProps): PlatformTracing {
  const base = TracingCollectorInstall.jaegerOperator();
  const protocol = t.protocol ?? base.protocol;
  const namespace = t.namespace ?? base.namespace;
  const serviceName = t.serviceName ?? base.serviceName;
  const p = port('tracing.port', t.port ?? (protocol === 'zipkin' ? 9411 : 4317));
  return {
    installedBy: t.installedBy ?? (Object.keys(t).length === 0 ? base.installedBy : AS_GIVEN),
    providerName: t.providerName ?? base.providerName,
    serviceName,
    namespace,
    protocol,
    port: p,
    targetPort: port('tracing.targetPort', t.targetPort ?? p),
    podLabels: { ...(t.podLabels ?? base.podLabels) },
    serviceSelector: { ...(t.serviceSelector ?? t.podLabels ?? base.serviceSelector) },
    serviceAccount: t.serviceAccount ?? base.serviceAccount,
    host: `${serviceName}.${namespace}.svc.cluster.local`,
  };
}

function resolveDns(d: DnsPlatformProps): PlatformDns {
  const base = DnsInstall.kubeadmCoreDns();
  const podLabels = d.podLabels ?? base.podLabels;
  return {
    installedBy: d.installedBy ?? (Object.keys(d).length === 0 ? base.installedBy : AS_GIVEN),
    namespace: d.namespace ?? base.namespace,
    serviceName: d.serviceName ?? base.serviceName,
    podLabels: { ...podLabels },
    serviceSelector: { ...(d.serviceSelector ?? d.podLabels ?? base.serviceSelector) },
    serviceAccount: d.serviceAccount ?? base.serviceAccount,
    port: port('dns.port', d.port ?? base.port),
    nodeLocalAddresses: notPlaceholders('dns.nodeLocalAddresses', d.nodeLocalAddresses ?? base.nodeLocalAddresses),
  };
}

/** An edge proxy: the props given over the seed's preset, whose values the fields not given keep. */
function resolveEdgeProxy(field: string, given: EdgeProxyPlatformProps | undefined, seed: EdgeProxyInstall): PlatformEdgeProxy {
  const e = given ?? {};
  const podLabels = e.podLabels ?? seed.podLabels;
  const upstream = e.upstream ?? seed.upstream;
  if (upstream !== 'service' && upstream !== 'endpoints') {
    throw new MeshError(Codes.OUT_OF_RANGE, `platform ${field}.upstream must be 'service' or 'endpoints', got '${upstream}'`);
  }
  return {
    installedBy: e.installedBy ?? (given === undefined ? seed.installedBy : AS_GIVEN),
    name: e.name ?? seed.name,
    namespace: e.namespace ?? seed.namespace,
    serviceName: e.serviceName ?? seed.serviceName,
    podLabels: { ...podLabels },
    serviceSelector: { ...(e.serviceSelector ?? e.podLabels ?? seed.serviceSelector) },
    serviceAccount: e.serviceAccount ?? seed.serviceAccount,
    httpPort: port(`${field}.httpPort`, e.httpPort ?? seed.httpPort),
    httpsPort: port(`${field}.httpsPort`, e.httpsPort ?? seed.httpsPort),
    meshed: e.meshed ?? seed.meshed,
    upstream,
    serviceAnnotations: { ...(e.serviceAnnotations ?? seed.serviceAnnotations) },
    hostHeaderAnnotation: e.hostHeaderAnnotation ?? seed.hostHeaderAnnotation,
  };
}

/**
 * `cidrs`, unless one lies in a documentation range (RFC 5737, RFC 3849): an example address
 * standing in for the cluster's own, which no network routes; MESH090 naming the field.
 */
function notPlaceholders(field: string, cidrs: readonly Cidr[]): Cidr[] {
  cidrs.forEach((c, i) => {
    const range = c.documentationRange;
    if (range) {
      throw new MeshError(Codes.PLATFORM_PLACEHOLDER_ADDRESS, `platform ${field}[${i}]: ${c} is in the documentation range ${range}`
        + " (RFC 5737, RFC 3849), an example no network routes; give the cluster's own addresses"
        + ' (kubectl get endpoints kubernetes -n default -o yaml)');
    }
  });
  return [...cidrs];
}

/**
 * The platform's Gateways, on the ingress gateway's pods (its `selector`), each checked as istiod
 * checks a Gateway (pkg/config/validation: a server needs hosts, and TLS settings for HTTPS; a port
 * number; httpsRedirect is an HTTP server's), named by its place among `gateways`.
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/
 */
function resolveGateways(gateways: readonly PlatformGatewayProps[], gw: PlatformIngressGateway): PlatformGateway[] {
  const seen = new Set<string>();
  // What each port already serves: its protocol, and each host with the server that claims it.
  const ports = new Map<number, { protocol: string; at: string; hosts: Map<string, string> }>();
  return gateways.map((g, i) => {
    const at = `platform gateways[${i}]`;
    const namespace = g.namespace ?? gw.namespace;
    for (const [field, value] of [['name', g.name], ['namespace', namespace]] as const) {
      const problem = dns1123LabelProblem(String(value));
      if (problem) throw new MeshError(Codes.INVALID_NAME, `${at}.${field}: ${problem}`);
    }
    if (seen.has(`${namespace}/${g.name}`)) throw new MeshError(Codes.DUPLICATE_ENTRY, `${at}: Gateway ${namespace}/${g.name} is given twice`);
    seen.add(`${namespace}/${g.name}`);
    if (!Array.isArray(g.servers) || g.servers.length === 0) {
      throw new MeshError(Codes.GATEWAY_HOSTS, `${at}.servers: a Gateway needs at least one server`);
    }
    const servers = g.servers.map((s, j) => {
      const field = `gateways[${i}].servers[${j}]`;
      port(`${field}.port`, s.port);
      if (s.protocol !== 'HTTP' && s.protocol !== 'HTTPS') {
        throw new MeshError(Codes.GATEWAY_TLS, `platform ${field}.protocol: must be HTTP or HTTPS, got ${String(s.protocol)}`);
      }
      if (!Array.isArray(s.hosts) || s.hosts.length === 0) {
        throw new MeshError(Codes.GATEWAY_HOSTS, `platform ${field}.hosts: a server needs at least one host`);
      }
      for (const h of s.hosts) {
        if (!isGatewayHost(h)) throw new MeshError(Codes.GATEWAY_HOSTS, `platform ${field}.hosts: '${h}' is not a host name Istio accepts`);
      }
      if (s.protocol === 'HTTPS' && !s.credentialName) {
        throw new MeshError(Codes.GATEWAY_TLS, `platform ${field}.credentialName: an HTTPS server needs the Secret of its certificate`);
      }
      if (s.protocol === 'HTTP' && s.credentialName !== undefined) {
        throw new MeshError(Codes.GATEWAY_TLS, `platform ${field}.credentialName: an HTTP server does not terminate TLS`);
      }
      if (s.protocol === 'HTTPS' && s.httpsRedirect) {
        throw new MeshError(Codes.GATEWAY_TLS, `platform ${field}.httpsRedirect: only an HTTP server redirects to HTTPS`);
      }
      claimPort(ports, s, `gateways[${i}].servers[${j}]`);
      return Object.freeze({ ...s, hosts: [...s.hosts] });
    });
    return Object.freeze({ name: g.name, namespace, selector: { ...gw.selector }, servers: Object.freeze(servers) });
  });
}

/**
 * The platform's Gateways all run on the ingress gateway's pods, which build one listener per port: a port is plaintext
 * or TLS, never both (MESH143; istio/istio pilot/pkg/model/gateway.go, MergeGateways), and a host on a port is one
 * server's (MESH120; istioctl's IST0145, hosts compared as written).
 */
function claimPort(
  ports: Map<number, { protocol: string; at: string; hosts: Map<string, string> }>,
  s: { readonly port: number; readonly protocol: string; readonly hosts: readonly string[] },
  at: string,
): void {
  const claimed = ports.get(s.port) ?? { protocol: s.protocol, at, hosts: new Map<string, string>() };
  ports.set(s.port, claimed);
  if (claimed.protocol !== s.protocol) {
    throw new MeshError(Codes.GATEWAY_PORT_TLS_MIXED, `platform ${at}.protocol: port ${s.port} is ${claimed.protocol} in ${claimed.at}; `
      + 'the gateway pods serve one kind on a port, and reject the other\'s servers');
  }
  for (const h of s.hosts) {
    const other = claimed.hosts.get(h.toLowerCase());
    if (other !== undefined && other !== at) {
      throw new MeshError(Codes.CONFLICTING_GATEWAYS, `platform ${at}.hosts: ${h} on port ${s.port} is ${other}'s too; `
        + 'the gateway pods serve one of them, and the other\'s routes never see the requests');
    }
    claimed.hosts.set(h.toLowerCase(), at);
  }
}

function resolveFlagger(f: FlaggerPlatformProps, prometheusAddress: string): PlatformFlagger {
  // The flagger chart installed as release `flagger` (docs.flagger.app): templates/deployment.yaml's pod labels.
  return {
    namespace: f.namespace ?? 'istio-system',
    deploymentName: f.deploymentName ?? 'flagger',
    podLabels: { ...(f.podLabels ?? { 'app.kubernetes.io/name': 'flagger', 'app.kubernetes.io/instance': 'flagger' }) },
    serviceAccount: f.serviceAccount ?? 'flagger',
    prometheusAddress: f.prometheusAddress ?? prometheusAddress,
  };
}

/** Flagger's load tester: the given props over the Flagger docs' install (./load-tester.ts). */
function resolveLoadTester(given: LoadTesterPlatformProps | undefined): PlatformLoadTester {
  const l = given ?? {};
  const docs = DOCS_LOAD_TESTER();
  return {
    installedBy: l.installedBy ?? (given === undefined ? docs.installedBy : AS_GIVEN),
    namespace: l.namespace ?? docs.namespace,
    serviceName: l.serviceName ?? docs.serviceName,
    podLabels: { ...(l.podLabels ?? docs.podLabels) },
    serviceSelector: { ...(l.serviceSelector ?? l.podLabels ?? docs.serviceSelector) },
    serviceAccount: l.serviceAccount ?? docs.serviceAccount,
    port: port('loadTester.port', l.port ?? docs.port),
    targetPort: port('loadTester.targetPort', l.targetPort ?? docs.targetPort),
    meshed: l.meshed ?? docs.meshed,
  };
}

function checkNames(p: ResolvedPlatform): void {
  const { istio, ingressGateway: gw, prometheus: prom, tracing: tr, rateLimit: rl, flagger: fl, apiServer: api } = p;
  for (const [field, value] of [
    ['apiServer.namespace', api.namespace], ['apiServer.serviceName', api.serviceName],
    ['istio.rootNamespace', istio.rootNamespace], ['istio.controlPlaneNamespace', istio.controlPlaneNamespace],
    ['istio.serviceName', istio.serviceName], ['istio.serviceAccount', istio.serviceAccount],
    ['ingressGateway.name', gw.name], ['ingressGateway.namespace', gw.namespace], ['ingressGateway.serviceAccount', gw.serviceAccount],
    ['prometheus.namespace', prom.namespace], ['prometheus.serviceName', prom.serviceName], ['prometheus.serviceAccount', prom.serviceAccount],
    ['tracing.namespace', tr.namespace], ['tracing.serviceName', tr.serviceName], ['tracing.providerName', tr.providerName],
    ['tracing.serviceAccount', tr.serviceAccount],
    ['rateLimit.name', rl.name], ['flagger.namespace', fl.namespace], ['flagger.deploymentName', fl.deploymentName],
    ['flagger.serviceAccount', fl.serviceAccount],
    ['loadTester.namespace', p.loadTester.namespace], ['loadTester.serviceName', p.loadTester.serviceName],
    ['loadTester.serviceAccount', p.loadTester.serviceAccount],
    ...(rl.namespace !== undefined ? [['rateLimit.namespace', rl.namespace]] : []),
    ...(p.egressGateway ? [['egressGateway.name', p.egressGateway.name], ['egressGateway.namespace', p.egressGateway.namespace],
      ['egressGateway.serviceAccount', p.egressGateway.serviceAccount]] : []),
    ['dns.namespace', p.dns.namespace], ['dns.serviceName', p.dns.serviceName], ['dns.serviceAccount', p.dns.serviceAccount],
    ...(['apiGateway', 'ingressController'] as const).flatMap((c) => [
      [`${c}.name`, p[c].name], [`${c}.namespace`, p[c].namespace], [`${c}.serviceName`, p[c].serviceName],
      [`${c}.serviceAccount`, p[c].serviceAccount],
    ] as const),
  ] as const) {
    const problem = dns1123LabelProblem(value);
    if (problem) throw new MeshError(Codes.INVALID_NAME, `platform ${field}: ${problem}`);
  }
}

/**
 * A Service's selector must select the component's own pods, or NetworkPolicy peers built from
 * it would miss them; so must a Gateway's selector, or the gateway pods would not serve it.
 * https://kubernetes.io/docs/concepts/services-networking/service/#defining-a-service
 */
function checkSelectors(p: ResolvedPlatform): void {
  const checks: [string, PlatformLabels, string, PlatformLabels][] = [
    ['istio.serviceSelector', p.istio.serviceSelector, 'istio.istiodLabels', p.istio.istiodLabels],
    ['ingressGateway.serviceSelector', p.ingressGateway.serviceSelector, 'ingressGateway.podLabels', p.ingressGateway.podLabels],
    ['ingressGateway.selector', p.ingressGateway.selector, 'ingressGateway.podLabels', p.ingressGateway.podLabels],
    ...(p.egressGateway ? [
      ['egressGateway.serviceSelector', p.egressGateway.serviceSelector, 'egressGateway.podLabels', p.egressGateway.podLabels],
      ['egressGateway.selector', p.egressGateway.selector, 'egressGateway.podLabels', p.egressGateway.podLabels],
    ] as [string, PlatformLabels, string, PlatformLabels][] : []),
    ['prometheus.serviceSelector', p.prometheus.serviceSelector, 'prometheus.podLabels', p.prometheus.podLabels],
    ['tracing.serviceSelector', p.tracing.serviceSelector, 'tracing.podLabels', p.tracing.podLabels],
    ['dns.serviceSelector', p.dns.serviceSelector, 'dns.podLabels', p.dns.podLabels],
    ['loadTester.serviceSelector', p.loadTester.serviceSelector, 'loadTester.podLabels', p.loadTester.podLabels],
    ['apiGateway.serviceSelector', p.apiGateway.serviceSelector, 'apiGateway.podLabels', p.apiGateway.podLabels],
    ['ingressController.serviceSelector', p.ingressController.serviceSelector, 'ingressController.podLabels', p.ingressController.podLabels],
  ];
  for (const [field, selector, podsField, pods] of checks) {
    const missing = Object.entries(selector).filter(([k, v]) => pods[k] !== v);
    if (Object.keys(selector).length === 0 || missing.length > 0) {
      const why = missing.length > 0 ? `${missing.map(([k, v]) => `${k}=${v}`).join(', ')} missing` : 'it is empty';
      throw new MeshError(Codes.PLATFORM_SELECTOR_MISMATCH,
        `platform ${field}: ${JSON.stringify(selector)} does not select the pods (${podsField} ${JSON.stringify(pods)}): ${why}`);
    }
  }
}

/** `value` if it is a port number (a whole number from 1 to 65535); throws MESH004 naming `field` otherwise. */
export function port(field: string, value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new MeshError(Codes.OUT_OF_RANGE, `platform ${field} must be a whole number from 1 to 65535, got ${value}`);
  }
  return value;
}

/**
 * The {@link IstioVersion} a release given without `version` is of: its minor (`1.30` of `1.30.3`), so that the
 * release installed is the one whose CRDs and webhook rules the validation uses; {@link DEFAULT_ISTIO_VERSION}
 * without a release, and for a release that is not a full `x.y.z` (which {@link istioRelease} then refuses).
 * A full release of a minor the validation does not know is a MeshError [MESH640] naming the ones it knows.
 */
function versionOfRelease(release: string | undefined): IstioVersion {
  const minor = release === undefined ? undefined : /^(\d+\.\d+)\.\d+(-[0-9A-Za-z.-]+)?$/.exec(release)?.[1];
  if (minor === undefined) return DEFAULT_ISTIO_VERSION;
  if (isIstioVersion(minor)) return minor;
  throw new MeshError(
    Codes.PLATFORM_ISTIO_RELEASE,
    `platform istio.release must be a release of an Istio the validation knows (${ISTIO_VERSIONS.join(', ')}), got '${release}' (Istio ${minor})`,
  );
}

/** An Istio release as its Helm charts are versioned (`1.24.6`), of the minor `version`; else a MeshError [MESH640]. */
function istioRelease(value: string, version: IstioVersion): string {
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(value) || !value.startsWith(`${version}.`)) {
    throw new MeshError(
      Codes.PLATFORM_ISTIO_RELEASE,
      `platform istio.release must be a full release of Istio ${version} such as ${PACKAGED_ISTIO_RELEASES[version]} (Helm's --version), got `
        + `'${value}'`,
    );
  }
  return value;
}

/** A Kubernetes minor as `kubectl version` prints it (`1.29`), else a MeshError [MESH243]. */
function checkKubernetesVersion(version: string): string {
  if (typeof version !== 'string' || !/^1\.(0|[1-9]\d*)$/.test(version)) {
    throw new MeshError(Codes.PLATFORM_KUBERNETES_VERSION,
      `platform kubernetesVersion must be a Kubernetes minor ('1.29'), got '${String(version)}'`);
  }
  return version;
}
