/**
 * The platform of a `--platform <file>` (both command-line tools), in one of two forms, told
 * apart by their documents:
 *
 * - a snapshot of the cluster: documents that are Kubernetes objects (`apiVersion` and `kind`,
 *   a `List` of them included), as `kubectl get deploy,statefulset,daemonset,svc,sa,endpoints -A -o yaml`
 *   writes them; several snapshot files are one snapshot (one file per namespace, say);
 * - a map of platform components: one document, a map whose keys are the fields of
 *   {@link MeshPlatformProps} (no `kind`), with API-server endpoints as CIDR strings, and per
 *   component either props or `preset:` with the preset's options
 *   (`ingressGateway: { preset: helmChart, release: istio-ingress, namespace: istio-ingress }`).
 *
 * Given with a snapshot, the map is the presets the snapshot is read with and checked against
 * (`MeshPlatform.fromManifests`'s `presets`), and its `components` (a list of component names)
 * the components the cluster runs (`MeshPlatform.fromManifests`'s `components`); without it the
 * snapshot must hold the components the manifests checked need (./platform-needs.ts). Every field is checked before the platform is
 * built; an unknown or mistyped one is an error naming the file and the field, so a typo
 * cannot silently fall back to a default.
 */
import { Cidr } from '../core/cidr';
import { Codes } from '../core/codes';
import { MeshError } from '../core/errors';
import { isIstioVersion, ISTIO_VERSIONS } from '../core/istio-version';
import { parseYamlDocuments } from '../private/yaml-reader';
import { MeshPlatform } from './platform';
import type { EgressGatewayPlatformProps, MeshPlatformProps } from './platform-props';
import { DnsInstall, EdgeProxyInstall } from './network-presets';
import type { EdgeProxyPlatformProps } from './network-props';
import { LoadTesterInstall } from './load-tester-install';
import { EgressGatewayInstall, IngressGatewayInstall, PrometheusInstall, TracingCollectorInstall } from './presets';
import type { PlatformNeeds } from './platform-needs';
import type { PlatformComponent } from './platform-props';
import { PLATFORM_COMPONENTS, platformPropsFromSnapshot } from './snapshot';

/** How one field of the file is read. */
type FieldKind =
  | 'string' | 'port' | 'ports' | 'labels' | 'cidrs' | 'cidr' | 'tracing-protocol' | 'boolean' | 'upstream' | 'istio-version'
  | 'kubernetes-version' | 'gateways'
  | 'jaeger-strategy' | 'annotation-name';

/** The fields of an edge proxy (the API gateway, the ingress controller). */
const EDGE_PROXY_SCHEMA: ComponentSchema<EdgeProxyPlatformProps> = {
  installedBy: 'string', name: 'string', namespace: 'string', serviceName: 'string', podLabels: 'labels', serviceSelector: 'labels',
  serviceAccount: 'string', httpPort: 'port', httpsPort: 'port', meshed: 'boolean', upstream: 'upstream', serviceAnnotations: 'labels',
  hostHeaderAnnotation: 'annotation-name',
};

/** Every field of each component, typed so that a new prop cannot be forgotten here. */
type ComponentSchema<T> = { readonly [K in keyof Required<T>]: FieldKind };

/** The fields of a gateway, the egress gateway's all of them (the ingress gateway's has other ports too). */
const GATEWAY_SCHEMA: ComponentSchema<EgressGatewayPlatformProps> = {
  installedBy: 'string', name: 'string', namespace: 'string', podLabels: 'labels', serviceSelector: 'labels', selector: 'labels',
  serviceAccount: 'string', httpPort: 'port', httpsPort: 'port', httpServicePort: 'port', httpsServicePort: 'port',
};

const SCHEMA: { readonly [K in keyof Required<MeshPlatformProps>]: FieldKind | ComponentSchema<NonNullable<MeshPlatformProps[K]>> } = {
  trustDomain: 'string',
  kubernetesVersion: 'kubernetes-version',
  istio: {
    version: 'istio-version',
    release: 'string',
    rootNamespace: 'string',
    controlPlaneNamespace: 'string',
    revision: 'string',
    serviceName: 'string',
    istiodLabels: 'labels',
    serviceSelector: 'labels',
    serviceAccount: 'string',
    xdsPort: 'port',
    webhookPort: 'port',
    nativeSidecars: 'boolean',
  },
  ingressGateway: { ...GATEWAY_SCHEMA, otherPorts: 'ports' },
  egressGateway: GATEWAY_SCHEMA,
  prometheus: {
    installedBy: 'string',
    namespace: 'string',
    serviceName: 'string',
    podLabels: 'labels',
    serviceSelector: 'labels',
    serviceAccount: 'string',
    selectorLabels: 'labels',
    address: 'string',
  },
  tracing: {
    installedBy: 'string',
    providerName: 'string',
    serviceName: 'string',
    namespace: 'string',
    protocol: 'tracing-protocol',
    port: 'port',
    targetPort: 'port',
    podLabels: 'labels',
    serviceSelector: 'labels',
    serviceAccount: 'string',
  },
  rateLimit: { name: 'string', namespace: 'string', grpcPort: 'port', podLabels: 'labels' },
  flagger: { namespace: 'string', deploymentName: 'string', podLabels: 'labels', serviceAccount: 'string', prometheusAddress: 'string' },
  loadTester: {
    installedBy: 'string',
    namespace: 'string',
    serviceName: 'string',
    podLabels: 'labels',
    serviceSelector: 'labels',
    serviceAccount: 'string',
    port: 'port',
    targetPort: 'port',
    meshed: 'boolean',
  },
  apiServer: { serviceName: 'string', namespace: 'string', endpoints: 'cidrs', ports: 'ports' },
  dns: {
    installedBy: 'string',
    namespace: 'string',
    serviceName: 'string',
    podLabels: 'labels',
    serviceSelector: 'labels',
    serviceAccount: 'string',
    port: 'port',
    nodeLocalAddresses: 'cidrs',
  },
  apiGateway: EDGE_PROXY_SCHEMA,
  ingressController: EDGE_PROXY_SCHEMA,
  gateways: 'gateways',
};

/** The presets of an edge proxy. */
const EDGE_PROXY_PRESETS: Readonly<Record<string, { options: Record<string, FieldKind>; make: (o: any) => object }>> = {
  kongHelmChart: { options: { release: 'string', namespace: 'string', meshed: 'boolean' }, make: (o) => EdgeProxyInstall.kongHelmChart(o) },
  ingressNginxHelmChart: {
    options: { release: 'string', namespace: 'string', meshed: 'boolean', serviceUpstream: 'boolean' },
    make: (o) => EdgeProxyInstall.ingressNginxHelmChart(o),
  },
};

/** The presets a file may name per component, with their options' kinds and the factory. */
const PRESETS: Readonly<Record<string, Readonly<Record<string, { options: Record<string, FieldKind>; make: (o: any) => object }>>>> = {
  ingressGateway: {
    istioctl: { options: { namespace: 'string', name: 'string', labels: 'labels' }, make: (o) => IngressGatewayInstall.istioctl(o) },
    helmChart: { options: { release: 'string', namespace: 'string' }, make: (o) => IngressGatewayInstall.helmChart(o) },
  },
  egressGateway: {
    istioctl: { options: { namespace: 'string', name: 'string', labels: 'labels' }, make: (o) => EgressGatewayInstall.istioctl(o) },
    helmChart: { options: { release: 'string', namespace: 'string' }, make: (o) => EgressGatewayInstall.helmChart(o) },
  },
  tracing: {
    jaegerOperator: {
      options: { name: 'string', namespace: 'string', protocol: 'tracing-protocol', providerName: 'string', strategy: 'jaeger-strategy' },
      make: (o) => TracingCollectorInstall.jaegerOperator(o),
    },
    jaegerHelmChart: {
      options: { release: 'string', namespace: 'string', protocol: 'tracing-protocol', providerName: 'string' },
      make: (o) => TracingCollectorInstall.jaegerHelmChart(o),
    },
    istioJaegerAddon: { options: { protocol: 'tracing-protocol', providerName: 'string' }, make: (o) => TracingCollectorInstall.istioJaegerAddon(o) },
    openTelemetryCollector: {
      options: { release: 'string', namespace: 'string', protocol: 'tracing-protocol', providerName: 'string' },
      make: (o) => TracingCollectorInstall.openTelemetryCollector(o),
    },
  },
  prometheus: {
    kubePrometheusStack: { options: { release: 'string', namespace: 'string' }, make: (o) => PrometheusInstall.kubePrometheusStack(o) },
  },
  dns: {
    kubeadmCoreDns: { options: {}, make: () => DnsInstall.kubeadmCoreDns() },
    coreDnsHelmChart: { options: { release: 'string', namespace: 'string' }, make: (o) => DnsInstall.coreDnsHelmChart(o) },
    nodeLocalDnsCache: {
      options: { localAddress: 'cidr', kubeDnsServiceIp: 'cidr' },
      make: (o) => DnsInstall.nodeLocalDnsCache(o),
    },
  },
  apiGateway: EDGE_PROXY_PRESETS,
  ingressController: EDGE_PROXY_PRESETS,
  loadTester: {
    helmChart: {
      options: { release: 'string', namespace: 'string', meshed: 'boolean', serviceAccount: 'string' },
      make: (o) => LoadTesterInstall.helmChart(o),
    },
  },
};

/** Options a preset requires. */
const REQUIRED_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  helmChart: ['release', 'namespace'], jaegerHelmChart: ['release', 'namespace'], openTelemetryCollector: ['release', 'namespace'],
  coreDnsHelmChart: ['release'], kongHelmChart: ['release', 'namespace', 'meshed'], ingressNginxHelmChart: ['release', 'namespace', 'meshed'],
  // Of one component's preset, where another component's preset has the same name.
  'loadTester.helmChart': ['release', 'namespace', 'meshed'],
};

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The platform a parsed file describes (`data`: the file's one document, a map of
 * components). Throws a {@link MeshError} (MESH603) naming `file` and the field that is
 * unknown or malformed, or the platform's own code (a bad name, port or selector).
 */
export function platformFromData(data: unknown, file: string): MeshPlatform {
  const props = propsFromData(data, file);
  return withFile(file, () => MeshPlatform.of(props));
}

/** The props a map of components describes, presets made; throws MESH603 naming the field. */
export function propsFromData(data: unknown, file: string): MeshPlatformProps {
  const bad = (field: string, what: string) => new MeshError(Codes.INVALID_FLOW, `${file}: ${field}: ${what}`);
  if (!isMap(data)) throw bad('(top)', `not a map of platform components (${Object.keys(SCHEMA).join(', ')})`);
  const props: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    const schema = (SCHEMA as Record<string, FieldKind | Record<string, FieldKind>>)[key];
    if (schema === undefined) throw bad(key, `unknown field (known: ${Object.keys(SCHEMA).join(', ')}; beside a snapshot, components)`);
    if (typeof schema === 'string') {
      props[key] = readField(key, schema, value, file);
      continue;
    }
    if (!isMap(value)) throw bad(key, 'must be a map');
    props[key] = 'preset' in value ? presetOf(key, value, file) : readFields(key, schema, value, file);
  }
  return props as MeshPlatformProps;
}

/** A component given as `preset: <name>` and the preset's options. */
function presetOf(key: string, value: Record<string, unknown>, file: string): object {
  const bad = (field: string, what: string) => new MeshError(Codes.INVALID_FLOW, `${file}: ${key}.${field}: ${what}`);
  const presets = PRESETS[key] ?? {};
  const name = value.preset;
  const preset = typeof name === 'string' ? presets[name] : undefined;
  if (!preset) {
    const known = Object.keys(presets);
    throw bad('preset', known.length === 0 ? 'this component has no presets; give its props' : `must be one of ${known.join(', ')}`);
  }
  const { preset: _, ...options } = value;
  for (const required of REQUIRED_OPTIONS[`${key}.${name}`] ?? REQUIRED_OPTIONS[name as string] ?? []) {
    if (options[required] === undefined) throw bad(required, `the ${name} preset needs it`);
  }
  const read = readFields(key, preset.options, options, file);
  return withFile(file, () => preset.make(read));
}

function readFields(key: string, schema: Readonly<Record<string, FieldKind>>, value: Record<string, unknown>, file: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, v] of Object.entries(value)) {
    const kind = schema[field];
    if (kind === undefined) {
      throw new MeshError(Codes.INVALID_FLOW, `${file}: ${key}.${field}: unknown field (known: ${Object.keys(schema).join(', ')})`);
    }
    out[field] = readField(`${key}.${field}`, kind, v, file);
  }
  return out;
}

function readField(field: string, kind: FieldKind, v: unknown, file: string): unknown {
  const bad = (what: string) => new MeshError(Codes.INVALID_FLOW, `${file}: ${field}: ${what}`);
  switch (kind) {
    case 'string':
      if (typeof v !== 'string' || v === '') throw bad('must be a non-empty string');
      return v;
    case 'annotation-name':
      // An annotation key (https://kubernetes.io/docs/concepts/overview/working-with-objects/annotations/#syntax-and-character-set), or '' for none.
      if (typeof v !== 'string' || (v !== '' && !/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(v))) {
        throw bad('must be an annotation name, or "" for none');
      }
      return v;
    case 'port':
      if (typeof v !== 'number') throw bad('must be a port number');
      return v;
    case 'ports':
      if (!Array.isArray(v) || !v.every((p) => typeof p === 'number')) throw bad('must be a list of port numbers');
      return v;
    case 'labels':
      if (!isMap(v) || !Object.values(v).every((x) => typeof x === 'string')) throw bad('must be a map of label names to string values');
      return v;
    case 'cidrs':
      if (!Array.isArray(v) || !v.every((c) => typeof c === 'string')) throw bad('must be a list of CIDR ranges (10.0.0.1/32)');
      return withFile(file, () => v.map((c) => Cidr.of(c)), `${field}: `);
    case 'tracing-protocol':
      if (v !== 'zipkin' && v !== 'opentelemetry') throw bad("must be 'zipkin' or 'opentelemetry'");
      return v;
    case 'istio-version':
      // A YAML `1.30` is a number; the release is read as its text either way.
      if (!isIstioVersion(typeof v === 'number' ? v.toFixed(2) : v)) throw bad(`must be one of ${ISTIO_VERSIONS.join(', ')}`);
      return typeof v === 'number' ? v.toFixed(2) : v;
    case 'kubernetes-version': {
      // A YAML `1.30` is a number, as an Istio version is.
      const text = typeof v === 'number' ? v.toFixed(2) : v;
      if (typeof text !== 'string' || !/^1\.(0|[1-9]\d*)$/.test(text)) throw bad("must be a Kubernetes minor ('1.29')");
      return text;
    }
    case 'cidr':
      if (typeof v !== 'string') throw bad('must be a CIDR range (169.254.20.10/32)');
      return withFile(file, () => Cidr.of(v), `${field}: `);
    case 'boolean':
      if (typeof v !== 'boolean') throw bad('must be true or false');
      return v;
    case 'upstream':
      if (v !== 'service' && v !== 'endpoints') throw bad("must be 'service' or 'endpoints'");
      return v;
    case 'jaeger-strategy':
      if (v !== 'production' && v !== 'streaming' && v !== 'allInOne') throw bad("must be 'production', 'streaming' or 'allInOne'");
      return v;
    case 'gateways':
      return readGateways(field, v, file);
  }
}

/**
 * A list of maps whose fields are among `known` (those of `required` present), each field read by
 * `read`: the platform's Gateways and their servers. MESH603 naming the entry and the field.
 */
function readMaps(
  field: string, v: unknown, file: string, what: string, known: readonly string[], required: readonly string[],
  read: (at: string, key: string, value: unknown) => unknown,
): Record<string, unknown>[] {
  const bad = (at: string, message: string) => new MeshError(Codes.INVALID_FLOW, `${file}: ${at}: ${message}`);
  if (!Array.isArray(v)) throw bad(field, `must be a list of ${what} ({ ${known.join(', ')} })`);
  return v.map((entry, i) => {
    const at = `${field}[${i}]`;
    if (!isMap(entry)) throw bad(at, `must be a map (${known.join(', ')})`);
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(entry)) {
      if (!known.includes(key)) throw bad(`${at}.${key}`, `unknown field (known: ${known.join(', ')})`);
      out[key] = read(`${at}.${key}`, key, value);
    }
    const missing = required.filter((r) => entry[r] === undefined);
    if (missing.length > 0) throw bad(at, `needs ${required.join(', ')} (${missing.join(', ')} missing)`);
    return out;
  });
}

/** A list of platform Gateways (`{ name, namespace?, servers: [{ port, protocol, hosts, credentialName?, httpsRedirect? }] }`), checked. */
function readGateways(field: string, v: unknown, file: string): unknown[] {
  const bad = (at: string, message: string) => new MeshError(Codes.INVALID_FLOW, `${file}: ${at}: ${message}`);
  const server = (at: string, key: string, value: unknown): unknown => {
    if (key === 'protocol') {
      if (value !== 'HTTP' && value !== 'HTTPS') throw bad(at, "must be 'HTTP' or 'HTTPS'");
      return value;
    }
    if (key === 'hosts') {
      if (!Array.isArray(value) || !value.every((h) => typeof h === 'string')) throw bad(at, 'must be a list of host names');
      return [...value];
    }
    return readField(at, key === 'port' ? 'port' : key === 'httpsRedirect' ? 'boolean' : 'string', value, file);
  };
  return readMaps(field, v, file, 'Gateways', ['name', 'namespace', 'servers'], ['name', 'servers'], (at, key, value) => (key === 'servers'
    ? readMaps(at, value, file, 'servers', ['port', 'protocol', 'hosts', 'credentialName', 'httpsRedirect'], ['port', 'protocol', 'hosts'], server)
    : readField(at, 'string', value, file)));
}

/** `fn()`, with a MeshError's message prefixed by the file (and `prefix`), under its own code. */
function withFile<T>(file: string, fn: () => T, prefix = ''): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof MeshError) throw new MeshError(e.code, `${file}: ${prefix}${e.detail}`);
    throw e;
  }
}

const NEITHER = 'neither a snapshot of the cluster (Kubernetes objects)';

/** One `--platform` file's text. */
export interface PlatformFileText {
  readonly text: string;
  readonly file: string;
}

/** What one `--platform` file holds: a snapshot's documents, a map of components, or another shape (a list, for the flow command). */
export type PlatformFileContent =
  | { readonly kind: 'snapshot'; readonly file: string; readonly values: readonly unknown[] }
  | { readonly kind: 'components'; readonly file: string; readonly data: unknown }
  | { readonly kind: 'other'; readonly file: string; readonly data: unknown };

/**
 * Reads and classifies a `--platform` file: a snapshot when one of its documents is a
 * Kubernetes object, a map of components when its one document is a map (or empty), else
 * `other`. A file that is not YAML is a MESH156 error naming it.
 */
export function readPlatformFile(f: PlatformFileText): PlatformFileContent {
  const values = parseYamlDocuments(f.text, f.file).map((d) => d.value);
  const isObject = (v: unknown) => isMap(v) && typeof v.kind === 'string' && typeof v.apiVersion === 'string';
  if (values.some(isObject)) return { kind: 'snapshot', file: f.file, values };
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.length === 0) return { kind: 'components', file: f.file, data: {} };
  if (present.length === 1 && isMap(present[0])) return { kind: 'components', file: f.file, data: present[0] };
  if (present.length === 1) return { kind: 'other', file: f.file, data: present[0] };
  throw new MeshError(Codes.PLATFORM_NOT_A_SNAPSHOT, `${f.file}: ${NEITHER} nor one map of platform components`);
}

/**
 * The platform of one or more `--platform` files: at most one map of components, and any
 * number of snapshot files, read together as one snapshot with the map as its presets.
 * Throws a {@link MeshError} naming the file: MESH080 for a file of neither form, the
 * snapshot's codes (MESH081-MESH083) and the map's (MESH603).
 */
export function platformFromFiles(contents: readonly PlatformFileContent[], needs?: PlatformNeeds): MeshPlatform {
  return platformOfFiles(contents, needs).platform;
}

/** What `--platform` files say of the cluster: the platform, and the fields they describe. */
export interface PlatformOfFiles {
  /** The platform: every field resolved, the defaults' where the files say nothing. */
  readonly platform: MeshPlatform;
  /**
   * Whether the files describe a field (`trustDomain`) or a component's field (`ingressGateway`, `namespace`):
   * the map gives it, or the snapshot holds the component and shows that field. The others are the
   * default platform's, no fact of the cluster.
   */
  readonly describes: (key: string, field?: string) => boolean;
}

/**
 * The fields of a component read from a snapshot that the snapshot does not show (./snapshot.ts
 * takes them from the presets, else the defaults): Istio's release and root namespace, the
 * tracing provider's name and, where the collector takes both, the protocol and its port, Prometheus's address.
 */
const NOT_IN_SNAPSHOT: Readonly<Record<string, readonly string[]>> = {
  istio: ['version', 'release', 'rootNamespace', 'revision'],
  tracing: ['providerName', 'protocol', 'port', 'targetPort'],
  prometheus: ['address'],
  // The gateway Service's other ports are the platform's to state (a status port is no server's); a snapshot checks those stated.
  ingressGateway: ['otherPorts'],
};

/** {@link platformFromFiles}, with the fields the files describe. */
export function platformOfFiles(contents: readonly PlatformFileContent[], needs?: PlatformNeeds): PlatformOfFiles {
  const other = contents.find((c) => c.kind === 'other');
  if (other) {
    throw new MeshError(Codes.PLATFORM_NOT_A_SNAPSHOT, `${other.file}: ${NEITHER} nor a map of platform components`);
  }
  const maps = contents.filter((c): c is Extract<PlatformFileContent, { kind: 'components' }> => c.kind === 'components');
  if (maps.length > 1) {
    throw new MeshError(Codes.PLATFORM_NOT_A_SNAPSHOT, `${maps[1].file}: a second map of platform components (after ${maps[0].file}); give one`);
  }
  const { data, components } = maps.length === 1 ? componentsOf(maps[0].data, maps[0].file) : { data: {}, components: undefined };
  const presets = maps.length === 1 ? propsFromData(data, maps[0].file) : {};
  const snapshots = contents.filter((c): c is Extract<PlatformFileContent, { kind: 'snapshot' }> => c.kind === 'snapshot');
  if (snapshots.length === 0) {
    if (components) {
      throw new MeshError(Codes.INVALID_FLOW, `${maps[0].file}: components: names the components read from a snapshot of the cluster;`
        + ' give the snapshot with --platform too, or leave it out');
    }
    return { platform: withFile(maps[0]?.file ?? '', () => MeshPlatform.of(presets)), describes: (key, field) => given(presets, key, field) };
  }
  const props = platformPropsFromSnapshot(snapshots.map((s) => ({ file: s.file, values: s.values })), { presets, components }, needs);
  // A component the snapshot holds is read into props of its own; one it lacks is the presets' as given (or none).
  const read = new Set(Object.keys(props).filter((k) => isMap(props[k as keyof MeshPlatformProps])
    && props[k as keyof MeshPlatformProps] !== presets[k as keyof MeshPlatformProps]));
  return {
    platform: MeshPlatform.of(props),
    describes: (key, field) => given(presets, key, field)
      || (read.has(key) && (field === undefined || !(NOT_IN_SNAPSHOT[key] ?? []).includes(field))),
  };
}

/** Whether `presets` give the field (a preset gives each of its component's). */
function given(presets: MeshPlatformProps, key: string, field?: string): boolean {
  const v = (presets as Record<string, unknown>)[key];
  return v !== undefined && (field === undefined || !isMap(v) || v[field] !== undefined);
}

/**
 * The map's `components` (the components the cluster runs, each read from the snapshot, which must
 * hold it; the others are the presets'), checked, and the map without it.
 */
function componentsOf(data: unknown, file: string): { data: unknown; components?: PlatformComponent[] } {
  if (!isMap(data) || !('components' in data)) return { data };
  const { components, ...rest } = data;
  const known = PLATFORM_COMPONENTS;
  if (!Array.isArray(components) || components.length === 0 || !components.every((c) => typeof c === 'string')) {
    throw new MeshError(Codes.INVALID_FLOW, `${file}: components: must be a list of platform components (${known.join(', ')})`);
  }
  const unknown = components.find((c) => !known.includes(c as PlatformComponent));
  if (unknown !== undefined) {
    throw new MeshError(Codes.INVALID_FLOW, `${file}: components: unknown component '${unknown}' (known: ${known.join(', ')})`);
  }
  return { data: rest, components: components as PlatformComponent[] };
}

/**
 * The data of `platform` in this file format: every field of every component, resolved
 * (defaults written out), in the schema's order, CIDRs as strings. Read back by
 * {@link platformFromData}, it gives a platform with the same values, whichever defaults the
 * reading version of the library has.
 */
export function platformToData(platform: MeshPlatform): Record<string, unknown> {
  const write = (kind: FieldKind, v: unknown): unknown => {
    if (kind === 'gateways') {
      return (v as MeshPlatform['gateways']).map((g) => ({
        name: g.name, namespace: g.namespace, servers: g.servers.map((s) => JSON.parse(JSON.stringify(s))),
      }));
    }
    if (kind === 'cidrs') return (v as unknown[]).map(String);
    if (kind === 'cidr') return String(v);
    return kind === 'ports' ? [...(v as number[])] : v;
  };
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(SCHEMA) as [string, FieldKind | Record<string, FieldKind>][]) {
    const value = (platform as unknown as Record<string, unknown>)[key];
    // A platform without Gateways of its own records none: its record reads as it did before they could be given.
    if (value === undefined || (schema === 'gateways' && (value as unknown[]).length === 0)) continue;
    if (typeof schema === 'string') {
      out[key] = write(schema, value);
      continue;
    }
    const component: Record<string, unknown> = {};
    for (const [field, kind] of Object.entries(schema)) {
      const v = (value as Record<string, unknown>)[field];
      // An istiod that injects no native sidecars (Istio 1.24's default) records none: its record reads as it did before they could be said.
      if (key === 'istio' && field === 'nativeSidecars' && v === false) continue;
      // A gateway Service of HTTP and HTTPS alone records no other ports, as before they could be given.
      if (key === 'ingressGateway' && field === 'otherPorts' && (v as unknown[]).length === 0) continue;
      if (v !== undefined) component[field] = write(kind, v);
    }
    out[key] = component;
  }
  return out;
}
