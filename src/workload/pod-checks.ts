/**
 * Checks of {@link PodOptions} (at synth, with the field that is wrong) and the
 * chart-wide hardening check over every rendered pod template, hand-added ones included.
 */
import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { Codes } from '../core/codes';
import { toIstioDuration } from '../core/duration';
import { formatProblem } from '../core/errors';
import { dns1123LabelProblem, labelValueProblem } from '../core/names';
import { APP_METRICS_LABEL, APP_METRICS_MERGED } from '../core/labels';
import { podHardeningProblems } from './pod-hardening';
import { ContainerOptions, ContainerResources, withResourceDefaults } from './container-options';
import { EnvSource, EnvVarValue, HealthProbe, POD_FIELD_PATHS, VolumeMountOptions } from './pod-options';
import { envOrder, envReferences } from './pod-render';
import { PodOptions, SidecarOptions } from './pod-props';
import { cpuMillis, mebibytesOf, quantityProblems } from './quantities';
import { schedulingProblems } from './scheduling';
import { ContainerSecurityOptions, exceptionKey, securityProblems } from './security-context';
import { constructsUnder } from '../private/synth-memo';

/** The annotation that records a workload's exemption from the hardening check, with its reason. */
export const HARDENING_EXEMPTION_ANNOTATION = 'mesh.cdk8s.io/hardening-exemption';

const CHECKED = new WeakSet<IConstruct>();

/** Records that a workload checks its own pods, so the chart-wide check skips it. */
export function markChecked(workload: IConstruct): void {
  CHECKED.add(workload);
}

/** The Istio annotations of a pod's sidecar settings, then the user's. */
export function podAnnotations(pod: PodOptions): Record<string, string> {
  const s = pod.sidecar ?? {};
  const out: Record<string, string> = { ...pod.podAnnotations };
  // https://istio.io/latest/docs/reference/config/annotations/#ProxyConfig: ProxyConfig overrides as JSON.
  const proxyConfig = {
    ...(s.holdApplicationUntilProxyStarts !== undefined ? { holdApplicationUntilProxyStarts: s.holdApplicationUntilProxyStarts } : {}),
    ...(s.terminationDrainDuration !== undefined ? { terminationDrainDuration: toIstioDuration(s.terminationDrainDuration) } : {}),
  };
  if (Object.keys(proxyConfig).length > 0) out['proxy.istio.io/config'] = JSON.stringify(proxyConfig);
  // https://istio.io/latest/docs/reference/config/annotations/#SidecarProxyCPU and its neighbours.
  if (s.cpuRequest !== undefined) out['sidecar.istio.io/proxyCPU'] = `${cpuMillis(s.cpuRequest)}m`;
  if (s.cpuLimit !== undefined) out['sidecar.istio.io/proxyCPULimit'] = `${cpuMillis(s.cpuLimit)}m`;
  if (s.memoryRequest !== undefined) out['sidecar.istio.io/proxyMemory'] = `${mebibytesOf(s.memoryRequest)}Mi`;
  if (s.memoryLimit !== undefined) out['sidecar.istio.io/proxyMemoryLimit'] = `${mebibytesOf(s.memoryLimit)}Mi`;
  // istio/istio pkg/kube/inject/inject.go applyPrometheusMerge: the injector moves these into the agent's
  // ISTIO_PROMETHEUS_ANNOTATIONS and points them at 15020, where the agent serves them with Envoy's.
  if (pod.metrics) {
    out['prometheus.io/scrape'] = 'true';
    out['prometheus.io/port'] = String(pod.metrics.port);
    out['prometheus.io/path'] = pod.metrics.path ?? '/metrics';
  }
  return out;
}

/** The label the `app-metrics` PodMonitor selects, on pods with {@link PodOptions.metrics}. */
export function metricsLabels(pod: PodOptions): Record<string, string> {
  return pod.metrics ? { [APP_METRICS_LABEL]: APP_METRICS_MERGED } : {};
}

/** The metrics endpoint: a container port of the pod, an absolute path, a sidecar to merge them, the annotations set through it. */
function metricsProblems(pod: PodOptions, ports: readonly number[]): string[] {
  const out: string[] = [];
  const bad = (field: string, m: string) => out.push(formatProblem(Codes.INVALID_APP_METRICS, `${field}: ${m}`));
  for (const k of Object.keys(pod.podAnnotations ?? {})) {
    if (k.startsWith('prometheus.io/')) bad(`podAnnotations.${k}`, 'set where the pod serves its metrics with metrics: { port, path }');
  }
  const m = pod.metrics;
  if (!m) return out;
  const own = [...ports, ...[...(pod.containers ?? []), ...(pod.sidecarContainers ?? [])].flatMap((c) => (c.ports ?? []).map((p) => p.number)),
    ...(pod.containerPorts ?? []).map((p) => p.number)];
  if (!own.includes(m.port)) bad('metrics.port', `${m.port} is no container port of the pod (declared: ${[...new Set(own)].join(', ') || 'none'})`);
  if (m.path !== undefined && !/^\/[^\s?#]*$/.test(m.path)) bad('metrics.path', `'${m.path}' is not an absolute path`);
  if (pod.sidecar?.inject === false) bad('metrics', 'merging needs the sidecar; without it, its agent serves nothing on 15020');
  return out;
}

/**
 * The `sidecar.istio.io/inject` label, when the user sets it: Istio reads it as a pod
 * label (the annotation of that name is deprecated).
 * @see https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/#controlling-the-injection-policy
 */
export function sidecarLabels(s: SidecarOptions | undefined): Record<string, string> {
  return s?.inject === undefined ? {} : { 'sidecar.istio.io/inject': String(s.inject) };
}

const ISTIO_KEYS = ['proxy.istio.io/config', 'sidecar.istio.io/inject', 'sidecar.istio.io/proxyCPU', 'sidecar.istio.io/proxyCPULimit',
  'sidecar.istio.io/proxyMemory', 'sidecar.istio.io/proxyMemoryLimit'];

/**
 * An environment variable name as the API server validates it (apimachinery validation.go `IsEnvVarName`:
 * `[-._a-zA-Z][-._a-zA-Z0-9]*`, the rule of every release Istio 1.24 supports). A name with a dot or a dash cannot be
 * read from sh, but images read such names themselves: OpenSearch's and Elasticsearch's entrypoints turn `cluster.name`
 * into a setting, so the API server's rule is the one applied.
 * @see https://github.com/kubernetes/apimachinery/blob/master/pkg/util/validation/validation.go (IsEnvVarName)
 */
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/**
 * Problems with a workload's pod options; `ports` are the application container's ports,
 * `claims` the names of the volume claims its containers may mount.
 */
export function podOptionProblems(pod: PodOptions, ports: readonly number[], derivedEnv: readonly string[] = [],
  claims: readonly string[] = []): string[] {
  const check: PodCheck = { pod, out: [], volumeNames: new Set<string>(['tmp', ...claims]), containerNames: new Set<string>(['app']) };
  const out = check.out;
  envProblems(check, 'env', [...Object.keys(pod.env ?? {}), ...derivedEnv]);
  check.out.push(...laterEnvReferences('env', pod.env ?? {}, derivedEnv));
  out.push(...envSourceProblems('env', pod.env));
  (pod.imagePullSecrets ?? []).forEach((n, i) => {
    const p = dns1123SubdomainProblem(n);
    if (p) out.push(formatProblem(Codes.INVALID_POD_SETTING, `imagePullSecrets[${i}]: '${n}' ${p}`));
  });
  if (pod.preStopCommand && pod.preStopCommand.length === 0) out.push(formatProblem(Codes.INVALID_POD_SETTING, 'preStopCommand: needs a command'));
  for (const [k, v] of Object.entries(pod.podLabels ?? {})) {
    const p = labelValueProblem(v);
    if (p) out.push(formatProblem(Codes.INVALID_POD_SETTING, `podLabels.${k}: ${p}`));
    if (!QUALIFIED_NAME.test(k)) out.push(formatProblem(Codes.INVALID_POD_SETTING, `podLabels: '${k}' is not a qualified name`));
  }
  for (const k of Object.keys(pod.podAnnotations ?? {})) {
    if (!QUALIFIED_NAME.test(k)) out.push(formatProblem(Codes.INVALID_POD_SETTING, `podAnnotations: '${k}' is not a qualified name`));
  }
  volumeProblems(check);
  if ((pod.writableTmp ?? true) === false) check.volumeNames.delete('tmp');
  mountProblems(check, 'mounts', pod.mounts);
  (pod.initContainers ?? []).forEach((c, i) => containerProblems(check, `initContainers[${i}]`, c));
  for (const kind of ['containers', 'sidecarContainers'] as const) {
    (pod[kind] ?? []).forEach((c: ContainerOptions, i) => {
      containerProblems(check, `${kind}[${i}]`, c);
      const own = (c.ports ?? []).map((x) => x.number);
      for (const [slot, probe] of Object.entries(c.probes ?? {}) as [string, HealthProbe | undefined][]) {
        if (probe) out.push(...probeProblems(`${kind}[${i}].probes.${slot}`, probe, own, slot !== 'readiness'));
      }
    });
  }
  out.push(...podSecurityProblems(pod));
  out.push(...schedulingProblems(pod));
  for (const [slot, probe] of Object.entries(pod.probes ?? {}) as [string, HealthProbe | undefined][]) {
    if (probe) out.push(...probeProblems(`probes.${slot}`, probe, ports, slot !== 'readiness'));
  }
  for (const key of Object.keys({ ...pod.podAnnotations, ...pod.podLabels })) {
    if (ISTIO_KEYS.includes(key)) {
      out.push(formatProblem(Codes.INVALID_POD_SETTING, `podAnnotations.${key}: set it through the typed sidecar option`));
    }
  }
  out.push(...sidecarProblems(pod));
  out.push(...metricsProblems(pod, ports));
  if (pod.terminationGracePeriod && !Number.isInteger(pod.terminationGracePeriod.toMilliseconds() / 1000)) {
    out.push(formatProblem(Codes.INVALID_POD_SETTING, 'terminationGracePeriod: must be a whole number of seconds'));
  }
  if ((pod as { hardeningExemption?: unknown }).hardeningExemption !== undefined) {
    out.push(formatProblem(Codes.INVALID_HARDENING_EXCEPTION,
      'hardeningExemption: removed; loosen field by field with security.exceptions (HardeningException), each written with its reason for review'));
  }
  return out;
}

/** What the checks of one pod share: its options, the problems found, and the volume and container names declared so far. */
interface PodCheck {
  readonly pod: PodOptions;
  readonly out: string[];
  readonly volumeNames: Set<string>;
  readonly containerNames: Set<string>;
}

/**
 * References in the pod's own variables to a call's `addressEnv`, which is written after them: the kubelet expands
 * `$(NAME)` only to a variable defined earlier in the container's list, so the reference would stay literal (EnvVar.value,
 * https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#environment-variables). In `command` and
 * `args` every variable of the container expands.
 */
function laterEnvReferences(field: string, env: Record<string, EnvVarValue>, derived: readonly string[]): string[] {
  const out: string[] = [];
  for (const [name, v] of Object.entries(env)) {
    if (v.source.kind !== 'value') continue;
    const later = envReferences(v.source.value).filter((r) => derived.includes(r));
    if (later.length > 0) {
      out.push(formatProblem(Codes.INVALID_ENV, `${field}.${name}: refers to ${later.map((r) => `$(${r})`).join(', ')}, a call's addressEnv, `
        + "which is written after the pod's own variables: the kubelet leaves the reference literal; refer to it in args or command"));
    }
  }
  return out;
}

/** Environment variable names: as the API server accepts them, each set once. */
function envProblems({ out }: PodCheck, field: string, names: readonly string[]): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (!ENV_VAR_NAME.test(n)) {
      out.push(formatProblem(Codes.INVALID_ENV, `${field}.${n}: an environment variable name must match [-._a-zA-Z][-._a-zA-Z0-9]* `
        + "(the API server's rule)"));
    }
    if (seen.has(n)) out.push(formatProblem(Codes.INVALID_ENV, `${field}.${n}: set twice (by the pod's env and by a call's addressEnv)`));
    seen.add(n);
  }
}

/** The pod's volumes: names (declared once; `tmp` is the writable /tmp), emptyDir sizes, ConfigMap and Secret names, token expirations. */
function volumeProblems({ pod, out, volumeNames }: PodCheck): void {
  (pod.volumes ?? []).forEach((v, i) => {
    const field = `volumes[${i}]`;
    const p = dns1123LabelProblem(v.name);
    if (p) out.push(formatProblem(Codes.INVALID_VOLUME, `${field}.name: ${p}`));
    if (volumeNames.has(v.name)) {
      out.push(
        formatProblem(Codes.INVALID_VOLUME, `${field}.name: '${v.name}' is declared twice${v.name === 'tmp' ? ' (tmp is the writable /tmp)' : ''}`),
      );
    }
    volumeNames.add(v.name);
    const src = v.source;
    if ((src.kind === 'configMap' || src.kind === 'secret') && dns1123SubdomainProblem(src.name)) {
      out.push(formatProblem(Codes.INVALID_VOLUME, `${field}: ${src.kind} name '${src.name}' ${dns1123SubdomainProblem(src.name)}`));
    }
    if (src.kind === 'projected') {
      // https://kubernetes.io/docs/concepts/storage/projected-volumes/#serviceaccounttoken: expirationSeconds at least 600.
      for (const s of src.sources) {
        if (s.kind === 'serviceAccountToken' && s.expiration && s.expiration.toSeconds() < 600) {
          out.push(formatProblem(Codes.INVALID_VOLUME, `${field}: a serviceAccountToken's expiration must be at least 10 minutes`));
        }
      }
    }
  });
}

/** Mounts: of a declared volume, at an absolute path other than / (and /tmp while it is the writable emptyDir), each path once. */
function mountProblems({ pod, out, volumeNames }: PodCheck, field: string, mounts: readonly VolumeMountOptions[] | undefined): void {
  const paths = new Set<string>();
  (mounts ?? []).forEach((m, i) => {
    const at = `${field}[${i}]`;
    if (!volumeNames.has(m.volume)) {
      out.push(
        formatProblem(
          Codes.INVALID_MOUNT,
          `${at}.volume: '${m.volume}' is not a volume of the workload (declared: ${[...volumeNames].join(', ')})`,
        ),
      );
    }
    const path = m.path.replace(/\/+$/, '') || '/';
    if (!m.path.startsWith('/')) out.push(formatProblem(Codes.INVALID_MOUNT, `${at}.path: '${m.path}' must be absolute`));
    else if (path === '/') out.push(formatProblem(Codes.INVALID_MOUNT, `${at}.path: a volume over / would hide the image`));
    else if (path === '/tmp' && (pod.writableTmp ?? true)) {
      out.push(
        formatProblem(Codes.INVALID_MOUNT, `${at}.path: /tmp is the writable emptyDir; set writableTmp: false to mount another volume there`),
      );
    }
    if (paths.has(path)) out.push(formatProblem(Codes.INVALID_MOUNT, `${at}.path: '${path}' is mounted twice`));
    paths.add(path);
  });
}

/** A container: its name (a DNS label no other container has), env, mounts and security. */
function containerProblems(
  check: PodCheck,
  field: string,
  c: {
    name: string; env?: Record<string, EnvVarValue>; mounts?: VolumeMountOptions[]; security?: ContainerSecurityOptions;
    resources?: ContainerResources;
  },
): void {
  const { out, containerNames } = check;
  const p = dns1123LabelProblem(c.name);
  if (p) out.push(formatProblem(Codes.INVALID_POD_SETTING, `${field}.name: ${p}`));
  if (containerNames.has(c.name)) out.push(formatProblem(Codes.INVALID_POD_SETTING, `${field}.name: '${c.name}' is taken`));
  containerNames.add(c.name);
  envProblems(check, `${field}.env`, Object.keys(c.env ?? {}));
  out.push(...envSourceProblems(`${field}.env`, c.env));
  mountProblems(check, `${field}.mounts`, c.mounts);
  out.push(...securityProblems(`${field}.security`, c.security), ...exceptionKeyProblems(`${field}.security`, c.name, c.security));
  const unlimited = (c.security?.exceptions ?? []).map((e) => e.field);
  out.push(...quantityProblems(`${field}.resources`, withResourceDefaults(c.resources), unlimited));
}

/** The app container's security and the pod's: user and group ids, never root without a HardeningException. */
function podSecurityProblems(pod: PodOptions): string[] {
  const out = [...securityProblems('security', pod.security), ...exceptionKeyProblems('security', 'app', pod.security)];
  const ps = pod.podSecurity ?? {};
  for (const [k, v] of [['runAsUser', ps.runAsUser], ['runAsGroup', ps.runAsGroup], ['fsGroup', ps.fsGroup]] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v >= 0 && v <= 2147483647)) {
      out.push(formatProblem(Codes.INVALID_POD_SETTING, `podSecurity.${k}: must be a whole number from 0, got ${v}`));
    }
  }
  if (ps.runAsUser === 0) {
    out.push(
      formatProblem(
        Codes.INVALID_HARDENING_EXCEPTION,
        'podSecurity.runAsUser: 0 is root; run one container as root with HardeningException.runAsRoot(reason)',
      ),
    );
  }
  return out;
}

/** The sidecar's resources: whole millicores and mebibytes above 0, each request at most its limit. */
function sidecarProblems(pod: PodOptions): string[] {
  const out = quantityProblems('sidecar', pod.sidecar);
  const drain = pod.sidecar?.terminationDrainDuration;
  if (drain !== undefined) {
    const seconds = drain.toMilliseconds({ integral: false }) / 1000;
    // The kubelet kills the pod's containers at the end of its grace period (30s by default), drained or not.
    const grace = (pod.terminationGracePeriod?.toMilliseconds({ integral: false }) ?? 30_000) / 1000;
    if (!Number.isInteger(seconds) || seconds < 1) {
      out.push(formatProblem(Codes.SIDECAR_DRAIN_INVALID,
        `sidecar.terminationDrainDuration: must be a whole number of seconds, at least 1, got ${seconds}s`));
    } else if (seconds >= grace) {
      out.push(formatProblem(Codes.SIDECAR_DRAIN_INVALID, `sidecar.terminationDrainDuration: ${seconds}s is not shorter than the pod's `
        + `terminationGracePeriod (${grace}s), at whose end the kubelet kills the proxy whatever it still serves; `
        + 'give a longer terminationGracePeriod'));
    }
  }
  return out;
}

/**
 * An exception's annotation key must be a qualified name: at most 63 characters after the
 * `mesh.cdk8s.io/` prefix, so a long container name cannot carry every exception.
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/annotations/#syntax-and-character-set
 */
function exceptionKeyProblems(field: string, container: string, security: ContainerSecurityOptions | undefined): string[] {
  const out: string[] = [];
  for (const e of security?.exceptions ?? []) {
    for (const cap of e.field === 'capabilities' ? e.capabilities : [undefined]) {
      const name = exceptionKey(container, e.field, cap).split('/')[1];
      if (name.length > 63) {
        out.push(
          formatProblem(
            Codes.INVALID_HARDENING_EXCEPTION,
            `${field}.exceptions: the annotation '${name}' is over 63 characters; shorten the container name '${container}'`,
          ),
        );
      }
    }
  }
  return out;
}

/**
 * Problems with a probe: its port must be one the container exposes, its timings
 * whole seconds, and liveness and startup probes must have successThreshold 1.
 * @see https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#Probe
 */
export function probeProblems(field: string, probe: HealthProbe, ports: readonly number[], successMustBeOne: boolean): string[] {
  const out: string[] = [];
  const c = probe.check;
  if ((c.kind === 'http' || c.kind === 'grpc' || c.kind === 'tcp') && c.port !== undefined && !ports.includes(c.port)) {
    out.push(formatProblem(Codes.INVALID_PROBE, `${field}.port: ${c.port} is not a port of the container (${ports.join(', ') || 'none'})`));
  }
  if ((c.kind === 'http' || c.kind === 'grpc' || c.kind === 'tcp') && c.port === undefined && ports.length === 0) {
    out.push(formatProblem(Codes.INVALID_PROBE, `${field}: the container exposes no port to probe`));
  }
  if (c.kind === 'http') {
    for (const h of c.headers) {
      if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(h.name))
        out.push(formatProblem(Codes.INVALID_PROBE, `${field}.headers: '${h.name}' is not an HTTP header name`));
    }
  }
  const t = probe.timing;
  for (const [k, d, min] of [['initialDelay', t.initialDelay, 0], ['period', t.period, 1], ['timeout', t.timeout, 1]] as const) {
    if (!d) continue;
    const s = d.toMilliseconds() / 1000;
    if (!Number.isInteger(s) || s < min)
      out.push(formatProblem(Codes.INVALID_PROBE, `${field}.${k}: must be a whole number of seconds, at least ${min}`));
  }
  for (const [k, n] of [['failureThreshold', t.failureThreshold], ['successThreshold', t.successThreshold]] as const) {
    if (n !== undefined && !(Number.isInteger(n) && n >= 1))
      out.push(formatProblem(Codes.INVALID_PROBE, `${field}.${k}: must be a whole number of at least 1, got ${n}`));
  }
  if (successMustBeOne && t.successThreshold !== undefined && t.successThreshold !== 1) {
    out.push(formatProblem(Codes.INVALID_PROBE, `${field}.successThreshold: must be 1 for liveness and startup probes`));
  }
  return out;
}

/**
 * A label or annotation key: an optional DNS-subdomain prefix and '/', then a name of
 * at most 63 alphanumerics, '-', '_' and '.'.
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set
 */
const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/**
 * ConfigMap and Secret references: the object's name a DNS subdomain, the key made of
 * alphanumerics, '-', '_' and '.'.
 * @see https://kubernetes.io/docs/concepts/configuration/configmap/#configmap-object
 */
function envSourceProblems(field: string, env: Record<string, EnvVarValue> | undefined): string[] {
  const out: string[] = [...envCycleProblems(field, env ?? {})];
  for (const [name, v] of Object.entries(env ?? {})) {
    const s = v.source;
    if (s.kind === 'value') continue;
    if (s.kind === 'podField') {
      out.push(...podFieldProblems(`${field}.${name}`, s));
      continue;
    }
    const p = dns1123SubdomainProblem(s.name);
    if (p) out.push(formatProblem(Codes.INVALID_ENV, `${field}.${name}: ${s.kind} name '${s.name}' ${p}`));
    if (!/^[-._a-zA-Z0-9]+$/.test(s.key)) out.push(formatProblem(Codes.INVALID_ENV, `${field}.${name}: key '${s.key}' is not a valid ${s.kind} key`));
  }
  return out;
}

/**
 * Variables whose values refer to each other in a cycle (`A: $(B)`, `B: $(A)`): the kubelet expands a reference only to a
 * variable defined earlier in the container's list (pod-render.ts, envOrder), so no order expands both, and one is left
 * with the literal `$(...)`.
 */
function envCycleProblems(field: string, env: Record<string, EnvVarValue>): string[] {
  const order = envOrder(env);
  const at = new Map(order.map((n, i) => [n, i]));
  const out: string[] = [];
  for (const name of order) {
    const s = env[name].source;
    if (s.kind !== 'value') continue;
    const later = envReferences(s.value).filter((r) => r !== name && (at.get(r) ?? -1) > at.get(name)!);
    if (later.length > 0) {
      const refs = later.map((r) => `$(${r})`).join(', ');
      out.push(formatProblem(Codes.INVALID_ENV, `${field}.${name}: refers to ${refs}, which refer${later.length > 1 ? '' : 's'} back to ${name}: `
        + 'the kubelet expands a reference only to a variable defined before it, so one of them keeps the literal $(...)'));
    }
  }
  return out;
}

/**
 * A downward API reference the API server accepts in an environment variable (validation.go, validateEnvVarValueFrom: the
 * pod fields it lists, and a label's or annotation's key a qualified name).
 * @see https://kubernetes.io/docs/concepts/workloads/pods/downward-api/#downwardapi-fieldRef
 */
function podFieldProblems(field: string, s: Extract<EnvSource, { kind: 'podField' }>): string[] {
  if (s.fieldPath === 'metadata.labels' || s.fieldPath === 'metadata.annotations') {
    return typeof s.key === 'string' && QUALIFIED_NAME.test(s.key) && s.key.length <= 317 ? []
      : [formatProblem(Codes.INVALID_ENV, `${field}: ${s.fieldPath === 'metadata.labels' ? 'label' : 'annotation'} key '${String(s.key)}' `
        + 'is not a qualified name ([prefix/]name)')];
  }
  return POD_FIELD_PATHS.includes(s.fieldPath) ? []
    : [formatProblem(Codes.INVALID_ENV, `${field}: '${String(s.fieldPath)}' is not a pod field an environment variable can read `
      + `(${POD_FIELD_PATHS.join(', ')})`)];
}

function dns1123SubdomainProblem(name: string): string | undefined {
  // https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#dns-subdomain-names
  if (name.length === 0 || name.length > 253) return 'must be 1 to 253 characters';
  return /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name) ? undefined : 'is not a DNS-1123 subdomain';
}

const POD_KINDS = new Set(['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'ReplicationController', 'CronJob']);

/** The pod template (metadata and spec) of a rendered object that has one, by its kind. */
function podTemplateOf(json: Record<string, any>): { spec?: Record<string, any>; metadata?: Record<string, any> } | null {
  switch (json.kind) {
    case 'Pod': return { spec: json.spec, metadata: json.metadata };
    case 'Deployment': case 'StatefulSet': case 'DaemonSet': case 'ReplicaSet': case 'Job': case 'ReplicationController':
      return json.spec?.template ?? {};
    case 'CronJob': return json.spec?.jobTemplate?.spec?.template ?? {};
    default: return null;
  }
}

/**
 * The hardening check over every pod template under `scope` that the library did not
 * check itself (a Deployment added by hand, say), each problem with the object's
 * construct path; exceptions are read from the pod template's annotations, as on the
 * library's pods. An object whose metadata or pod template carries
 * {@link HARDENING_EXEMPTION_ANNOTATION} (with a reason) is skipped whole: the escape hatch
 * for hand-written objects only.
 */
export function unhardenedPodProblems(scope: IConstruct): string[] {
  const out: string[] = [];
  for (const c of constructsUnder(scope)) {
    if (!ApiObject.isApiObject(c) || !POD_KINDS.has(c.kind)) continue;
    const owner = c.node.scope;
    if (CHECKED.has(c) || (owner && CHECKED.has(owner))) continue;
    const json = c.toJson();
    const template = podTemplateOf(json);
    if (template === null) continue;
    const exemption =
      json.metadata?.annotations?.[HARDENING_EXEMPTION_ANNOTATION] ?? template.metadata?.annotations?.[HARDENING_EXEMPTION_ANNOTATION];
    if (typeof exemption === 'string' && exemption.trim() !== '') continue;
    for (const p of podHardeningProblems(template.spec, { annotations: template.metadata?.annotations })) {
      out.push(`${c.node.path} (${json.kind}/${json.metadata?.name}): ${p}`);
    }
  }
  return out;
}
