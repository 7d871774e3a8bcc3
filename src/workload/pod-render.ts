/**
 * Pod options rendered through cdk8s-plus-27, or in Kubernetes' own types where
 * cdk8s-plus-27 has no API (projected volumes, gRPC probes, HTTP probes with headers).
 */
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { EnvVarValue, HealthProbe, WorkloadVolume } from './pod-options';

/** The volume mounted at /tmp in every container, so that the read-only root filesystem leaves one writable place. */
export const TMP_VOLUME = 'tmp';

export function isEmptyDir(volumes: readonly WorkloadVolume[] | undefined, name: string): boolean {
  if (name === TMP_VOLUME && !volumes?.some((v) => v.name === name)) return true;
  return volumes?.find((v) => v.name === name)?.source.kind === 'emptyDir';
}

/** Env values through cdk8s-plus-27, in {@link envOrder} so output never reorders and every reference expands. */
export function toKplusEnv(scope: Construct, prefix: string, env: Record<string, EnvVarValue>): Record<string, kplus.EnvValue> {
  const out: Record<string, kplus.EnvValue> = {};
  for (const name of envOrder(env)) {
    const s = env[name].source;
    const id = `${prefix}Env${name}`;
    out[name] = s.kind === 'value' ? kplus.EnvValue.fromValue(s.value)
      : s.kind === 'configMap' ? kplus.EnvValue.fromConfigMap(kplus.ConfigMap.fromConfigMapName(scope, id, s.name), s.key, { optional: s.optional })
      // cdk8s-plus writes the path as given (a label's or annotation's as `metadata.labels['<key>']`); its enum lacks status.hostIPs only.
      : s.kind === 'podField' ? kplus.EnvValue.fromFieldRef(s.fieldPath as kplus.EnvFieldPaths, s.key === undefined ? {} : { key: s.key })
      : kplus.EnvValue.fromSecretValue({ secret: kplus.Secret.fromSecretName(scope, id, s.name), key: s.key }, { optional: s.optional });
  }
  return out;
}

/**
 * The names of the variables a literal value refers to as `$(NAME)` (`$$(NAME)` is an escaped, literal `$(NAME)`), as the
 * kubelet expands them (kubernetes/kubernetes third_party/forked/golang/expansion/expand.go).
 */
export function envReferences(value: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < value.length - 1; i++) {
    if (value[i] !== '$') continue;
    if (value[i + 1] === '$') {
      i++;
      continue;
    }
    if (value[i + 1] !== '(') continue;
    const end = value.indexOf(')', i + 2);
    if (end < 0) break;
    out.push(value.slice(i + 2, end));
    i = end;
  }
  return out;
}

/**
 * The order a container's variables are written in: by name, except that a variable comes after those of the same
 * container its value refers to (`EMQX_NODE__NAME: emqx@$(POD_NAME)...` after `POD_NAME`): the kubelet expands a
 * reference only to a variable defined earlier in the list, and leaves any other as written ("Variable references
 * $(VAR_NAME) are expanded using the previously defined environment variables in the container", EnvVar.value,
 * https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#environment-variables). A cycle cannot
 * be ordered so (pod-checks reports it); its variables keep their order by name.
 */
export function envOrder(env: Record<string, EnvVarValue>): string[] {
  const names = Object.keys(env).sort();
  const out: string[] = [];
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const visit = (name: string): void => {
    if (placed.has(name) || visiting.has(name)) return;
    visiting.add(name);
    const s = env[name].source;
    if (s.kind === 'value') for (const r of envReferences(s.value)) if (r !== name && r in env) visit(r);
    visiting.delete(name);
    placed.add(name);
    out.push(name);
  };
  names.forEach(visit);
  return out;
}

function items(list: readonly { key: string; path: string }[] | undefined): Record<string, { path: string }> | undefined {
  return list ? Object.fromEntries(list.map((i) => [i.key, { path: i.path }])) : undefined;
}

export function toKplusVolume(scope: Construct, v: WorkloadVolume, projected: Map<string, k8s.ProjectedVolumeSource>): kplus.Volume {
  const s = v.source;
  const id = `Volume${v.name}`;
  switch (s.kind) {
    case 'emptyDir':
      return kplus.Volume.fromEmptyDir(scope, id, v.name, {
        medium: s.medium === 'Memory' ? kplus.EmptyDirMedium.MEMORY : undefined,
        sizeLimit: s.sizeLimit,
      });
    case 'configMap':
      return kplus.Volume.fromConfigMap(scope, id, kplus.ConfigMap.fromConfigMapName(scope, `${id}Source`, s.name), {
        name: v.name,
        optional: s.optional,
        items: items(s.items),
      });
    case 'secret':
      return kplus.Volume.fromSecret(scope, id, kplus.Secret.fromSecretName(scope, `${id}Source`, s.name), {
        name: v.name,
        optional: s.optional,
        items: items(s.items),
      });
    case 'projected':
      // cdk8s-plus-27 has no projected volumes: an emptyDir of the same name stands in, replaced at render.
      projected.set(v.name, {
        sources: s.sources.map((p) => p.kind === 'serviceAccountToken'
          ? { serviceAccountToken: { path: p.path, audience: p.audience, expirationSeconds: p.expiration?.toSeconds() } }
          : p.kind === 'configMap'
            ? { configMap: { name: p.name, items: p.items?.map((i) => ({ key: i.key, path: i.path })) } }
            : { secret: { name: p.name, items: p.items?.map((i) => ({ key: i.key, path: i.path })) } }),
      });
      return kplus.Volume.fromEmptyDir(scope, id, v.name);
  }
}

function kplusTiming(p: HealthProbe): kplus.ProbeOptions {
  const t = p.timing;
  return {
    initialDelaySeconds: t.initialDelay,
    periodSeconds: t.period,
    timeoutSeconds: t.timeout,
    failureThreshold: t.failureThreshold,
    successThreshold: t.successThreshold,
  };
}

/** A probe through cdk8s-plus-27, or undefined for the kinds it lacks (gRPC, HTTP with headers, none). */
export function toKplusProbe(p: HealthProbe): kplus.Probe | undefined {
  const c = p.check;
  switch (c.kind) {
    case 'http': return c.headers.length === 0 ? kplus.Probe.fromHttpGet(c.path, { ...kplusTiming(p), port: c.port }) : undefined;
    case 'tcp': return kplus.Probe.fromTcpSocket({ ...kplusTiming(p), port: c.port });
    case 'exec': return kplus.Probe.fromCommand([...c.command], kplusTiming(p));
    default: return undefined;
  }
}

/**
 * The Kubernetes form of a probe, with cdk8s-plus-27's defaults (failureThreshold 3): for the
 * kinds cdk8s-plus-27 lacks (gRPC, HTTP with headers), and for containers whose probes it
 * refuses (native sidecars are init containers, which it allows no probes).
 */
export function toKubeProbe(p: HealthProbe): k8s.Probe | undefined {
  const c = p.check;
  const t = p.timing;
  const timing = {
    failureThreshold: t.failureThreshold ?? 3,
    initialDelaySeconds: t.initialDelay?.toSeconds(),
    periodSeconds: t.period?.toSeconds(),
    successThreshold: t.successThreshold,
    timeoutSeconds: t.timeout?.toSeconds(),
  };
  if (c.kind === 'grpc') return { ...timing, grpc: { port: c.port ?? 0, service: c.service } };
  if (c.kind === 'http') {
    const headers = c.headers.length > 0 ? c.headers.map((h) => ({ ...h })) : undefined;
    return { ...timing, httpGet: { path: c.path, port: k8s.IntOrString.fromNumber(c.port ?? 0), scheme: 'HTTP', httpHeaders: headers } };
  }
  if (c.kind === 'tcp') return { ...timing, tcpSocket: { port: k8s.IntOrString.fromNumber(c.port ?? 0) } };
  if (c.kind === 'exec') return { ...timing, exec: { command: [...c.command] } };
  return undefined;
}
