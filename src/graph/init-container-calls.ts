/**
 * What an init container calls, and what makes the call work under Istio 1.24.
 *
 * An init container runs before the pod's containers. With an ordinary istio-proxy container (Istio 1.24's default:
 * `ENABLE_NATIVE_SIDECARS` is false, pilot/pkg/features/experimental.go) Envoy is not running yet, so its connections
 * either meet the redirection the Istio CNI plugin installed when the pod's network was set up (to 15001, where nothing
 * listens: the call fails), or, with the istio-init container, which the injector moves after the application's init
 * containers "so we do not blackhole init containers" (pkg/kube/inject/webhook.go, reorderPod), leave the pod in
 * plaintext, past Envoy: a STRICT callee refuses them, the pod's Sidecar and the mesh's policies never see them.
 *
 * Of Istio's ways out (https://istio.io/latest/docs/setup/additional-setup/cni/#compatibility-with-application-init-containers):
 * running the container as UID 1337 bypasses the mesh, and the exclusion annotations
 * (`traffic.sidecar.istio.io/excludeOutboundIPRanges`, `excludeOutboundPorts`) are read by the pod's iptables rules, so they
 * take the application's own connections to those addresses or ports out of the mesh too (no mTLS, no Sidecar, no
 * policy), and a meshed callee under STRICT refuses them. The library takes the third: istio-proxy as a Kubernetes native
 * sidecar. Istio 1.24's injection template makes it one when the pod's `sidecar.istio.io/nativeSidecar` annotation is "true",
 * whatever istiod's flag (manifests/charts/istio-control/istio-discovery/files/injection-template.yaml, `$nativeSidecar`;
 * pkg/kube/inject/inject.go: "The sidecar.istio.io/nativeSidecar annotation takes precedence over the global feature
 * flag"), and then orders the init containers `istio-init`/`istio-validation`, `istio-proxy`, the application's
 * ("We want istio to be first in this case, so init containers are part of the mesh": reorderPod). The kubelet starts the
 * next init container once a sidecar's startup probe has passed (the template's `/healthz/ready` on 15021, on by default:
 * `global.proxy.startupProbe.enabled`), so the init container's calls go through a ready Envoy, with the pod's identity,
 * as the application's do: the callee's AuthorizationPolicy, the pod's Sidecar egress and its NetworkPolicy apply to them
 * alike. A declared call is therefore a call of the pod (`calls()`), from the same pods; the platform must say its cluster
 * runs native sidecars (Kubernetes 1.29 or later: `kubernetesVersion`, or istiod's `nativeSidecars`), else MESH242.
 */
import { Codes } from '../core/codes';
import { formatProblem } from '../core/errors';
import type { HttpMethod } from '../core/http';
import type { MeshPlatform } from '../platform/platform';
import type { InitContainerOptions } from '../workload/pod-props';
import type { IExternalService, IMeshService } from './interfaces';

/** The pod annotation by which Istio's injector makes istio-proxy a native sidecar (Istio 1.24's injection template). */
export const NATIVE_SIDECAR_ANNOTATION = 'sidecar.istio.io/nativeSidecar';

/** One call an init container makes: to a MeshService of the app, another team's RemoteService, or an ExternalService. */
export interface InitContainerCall {
  /** What it calls. */
  readonly target: IMeshService | IExternalService;
  /** The port it calls: a Service port of a MeshService or RemoteService, a port of an ExternalService. */
  readonly port: number;
  /**
   * The HTTP methods it uses, on an HTTP port.
   * @default - every method (GET for an ExternalService), as `calls()` without methods
   */
  readonly methods?: HttpMethod[];
  /**
   * The request paths it uses, on an HTTP port.
   * @default - every path (`/` for an ExternalService), as `calls()` without paths
   */
  readonly paths?: string[];
}

/**
 * An init container of a MeshService's or a batch job's pods, and what it calls over the network (model weights from an
 * object store, migrations against a database, a wait for a dependency).
 */
export interface MeshInitContainerOptions extends InitContainerOptions {
  /**
   * What it calls. Each call is a call of the pod (as `calls()` declares one: the callee's ALLOW rule for the pod's
   * principal, the pod's Sidecar egress and NetworkPolicy, an intended flow proved at synth from the init container), and
   * istio-proxy becomes a Kubernetes native sidecar of the pod (`sidecar.istio.io/nativeSidecar: "true"`), started and
   * ready before the init containers, so that their calls go through Envoy. Needs a platform whose cluster runs native
   * sidecars: `MeshPlatform.of({ kubernetesVersion: '1.29' })` or later, or `istio: { nativeSidecars: true }` (MESH242).
   * @default - none: the container calls nothing, and the pod stays as it was
   * @see https://istio.io/latest/docs/setup/additional-setup/cni/#compatibility-with-application-init-containers
   */
  readonly calls?: InitContainerCall[];
}

/** A declared call, with the init container that makes it and the field that declares it (`initContainers[0].calls[1]`). */
export interface DeclaredInitCall {
  readonly container: string;
  readonly field: string;
  readonly call: InitContainerCall;
}

/** Every call the init containers declare, in order. */
export function declaredInitCalls(inits: readonly MeshInitContainerOptions[] | undefined): DeclaredInitCall[] {
  return (inits ?? []).flatMap((c, i) => (c.calls ?? []).map((call, j) => ({ container: c.name, field: `initContainers[${i}].calls[${j}]`, call })));
}

/** What {@link podWithInitCalls} reads of a pod's options. */
interface PodWithInitCalls {
  readonly initContainers?: readonly MeshInitContainerOptions[];
  readonly podAnnotations?: Record<string, string>;
}

/**
 * The pod options as the workload renders them: the init containers without their calls and, where one declares a call on a
 * meshed pod, the native-sidecar annotation (the user's own annotation, which MESH242 reports when it says "false", kept).
 */
export function podWithInitCalls<P extends PodWithInitCalls>(pod: P, meshed: boolean): P {
  if (!pod.initContainers?.some((c) => c.calls !== undefined)) return pod;
  const initContainers = pod.initContainers.map(({ calls: _calls, ...c }) => c);
  const native = meshed && declaredInitCalls(pod.initContainers).length > 0;
  return {
    ...pod, initContainers,
    ...(native ? { podAnnotations: { [NATIVE_SIDECAR_ANNOTATION]: 'true', ...pod.podAnnotations } } : {}),
  };
}

/**
 * MESH242: declared calls of a meshed pod's init containers that cannot go through its sidecar: the pod's annotation keeps
 * istio-proxy an ordinary container, or the platform does not say its cluster runs native sidecars.
 */
export function initCallProblems(
  declared: readonly DeclaredInitCall[], meshed: boolean, podAnnotations: Readonly<Record<string, string>> | undefined, platform: MeshPlatform,
): string[] {
  if (declared.length === 0 || !meshed) return [];
  const first = declared[0];
  if (podAnnotations?.[NATIVE_SIDECAR_ANNOTATION] !== undefined && podAnnotations[NATIVE_SIDECAR_ANNOTATION] !== 'true') {
    return [formatProblem(Codes.INIT_CONTAINER_CALL_BEFORE_SIDECAR,
      `podAnnotations.${NATIVE_SIDECAR_ANNOTATION}: "${podAnnotations[NATIVE_SIDECAR_ANNOTATION]}" keeps istio-proxy an ordinary container, `
      + `started after the init containers, so ${first.field} (init container ${first.container}) would run before Envoy; leave the `
      + 'annotation out (the declared calls set it to "true")')];
  }
  if (platform.nativeSidecarsSupported) return [];
  return declared.map((d) => formatProblem(Codes.INIT_CONTAINER_CALL_BEFORE_SIDECAR,
    `${d.field}: init container ${d.container} calls ${d.call.target.node.path} before the pod's containers start; its calls go through `
    + 'Envoy only where istio-proxy is a Kubernetes native sidecar, started before it (Kubernetes 1.29 or later), and the platform does '
    + `not say its cluster runs them${platform.kubernetesVersion ? ` (kubernetesVersion ${platform.kubernetesVersion})` : ''}: give `
    + "MeshPlatform.of({ kubernetesVersion: '1.29' }) (or the cluster's later minor), or istio: { nativeSidecars: true }"));
}

/**
 * MESH539: a batch job's pods, whose istio-proxy is a native sidecar by their annotation (Istio 1.24's injector honours it
 * whatever the cluster: pkg/kube/inject/inject.go), on a platform that states a Kubernetes version without native sidecars
 * (below 1.29, the `SidecarContainers` feature alpha and off by default in 1.28) and not istiod's native sidecars. The API
 * server drops an init container's `restartPolicy` where the feature is off (kubernetes/kubernetes pkg/api/pod/util.go,
 * dropDisabledFields), so istio-proxy becomes an init container that never exits. A platform that does not state its
 * version is taken at its word: nothing is reported (the README's "Batch jobs").
 * @see https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/
 */
export function batchNativeSidecarProblems(platform: MeshPlatform): string[] {
  if (platform.kubernetesVersion === undefined || platform.nativeSidecarsSupported) return [];
  return [formatProblem(Codes.BATCH_JOB_NATIVE_SIDECAR_UNSUPPORTED,
    `podAnnotations.${NATIVE_SIDECAR_ANNOTATION}: the job's pods say "true", so that istio-proxy is a Kubernetes native sidecar and `
    + `they complete, but the platform states kubernetesVersion ${platform.kubernetesVersion}, whose API server keeps init containers `
    + "from being sidecars (the SidecarContainers feature, on by default from 1.29): it drops istio-proxy's restartPolicy: Always, "
    + "and the proxy becomes an init container that never exits, so the job's container never starts; run the job on a cluster "
    + "of Kubernetes 1.29 or later (MeshPlatform.of({ kubernetesVersion: '1.29' })), or, where this cluster has the feature on "
    + 'and istiod injects native sidecars, say istio: { nativeSidecars: true }')];
}

/**
 * `problems` of the calls `fields` names (`calls[i]`, `externalCalls[i]` by their index in the lists given to the checks)
 * renamed to the fields that declare them: an init container's call by its `initContainers[i].calls[j]`, the others by
 * their index among the calls declared with `calls()`.
 */
export function renameCallFields(problems: readonly string[], list: 'calls' | 'externalCalls', fields: readonly (string | undefined)[]): string[] {
  const own: number[] = [];
  let k = 0;
  for (const f of fields) own.push(f === undefined ? k++ : -1);
  return problems.map((p) => p.replace(new RegExp(`^${list}\\[(\\d+)\\]`), (whole, i: string) => {
    const n = Number(i);
    if (n >= fields.length) return whole;
    return fields[n] ?? `${list}[${own[n]}]`;
  }));
}
