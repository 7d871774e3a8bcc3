/**
 * MESH053: Jobs, CronJobs and bare Pods whose pods cannot complete because of their sidecar.
 *
 * When is a Job's pod with an injected proxy done? Kubernetes marks a pod Succeeded when all its containers have
 * terminated (restartPolicy Never or OnFailure); a native sidecar, an init container with `restartPolicy: Always`, is
 * not waited for: the kubelet stops it once the regular containers have exited (KEP-753, beta and on by default from
 * Kubernetes 1.29: https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/#jobs-with-sidecar-containers).
 * An ordinary istio-proxy container runs until it is told to stop, so the pod never completes.
 *
 * A bare Pod with `restartPolicy: Never` or `OnFailure` (a run-to-completion pod: a Helm test hook, a one-off task) is
 * the same: its phase stays Running while "at least one container is still running", and becomes Succeeded or Failed only
 * once "all containers in the Pod have terminated" (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-phase),
 * so whatever waits for it to complete waits for ever. A Pod with `restartPolicy: Always` (the default) is not meant to
 * complete and is not reported.
 *
 * istiod 1.24 injects istio-proxy as a native sidecar exactly when the pod's `sidecar.istio.io/nativeSidecar` annotation
 * is "true", or when it is absent and istiod's `ENABLE_NATIVE_SIDECARS` is "true" (istio/istio 1.24.6
 * manifests/charts/istio-control/istio-discovery/files/injection-template.yaml: `$nativeSidecar := or (and (not (isset
 * .ObjectMeta.Annotations "sidecar.istio.io/nativeSidecar")) (eq (env "ENABLE_NATIVE_SIDECARS" "false") "true")) (eq (index
 * .ObjectMeta.Annotations "sidecar.istio.io/nativeSidecar") "true")`, which puts the proxy under initContainers with
 * `restartPolicy: Always`; pkg/kube/inject/inject.go, RunTemplate, lets the annotation take precedence over the flag; the
 * flag defaults to false in pilot/pkg/features/experimental.go). The template reads annotations only: the key as a label
 * says nothing. A value other than "true" keeps the proxy an ordinary container.
 *
 * The other ways out are not the manifests' to show: the job's own command may POST to pilot-agent's
 * `http://localhost:15020/quitquitquit` when it ends (pilot/cmd/pilot-agent/status/server.go, handleQuit: from localhost
 * only, POST only; pkg/envoy/agent.go, Run: the agent exits at once), which no check can prove it does on every path out,
 * so the finding is a warning that the team acknowledges when the command does; `EXIT_ON_ZERO_ACTIVE_CONNECTIONS` does
 * not help, as it acts only while the proxy drains after SIGTERM (pilot/cmd/pilot-agent/options/options.go). Pods that
 * opt out of injection, or whose injection is not certain (a namespace the manifests do not label), are not reported.
 */
import { Codes } from '../../core/codes';
import { Finding, finding, podTemplateField } from '../finding';
import { isCertainlyMeshed, Workload } from '../model/workload';
import { AnalysisCheck } from './check';

/** The pod annotation that makes istio-proxy a native sidecar, or not, whatever istiod's default. */
export const NATIVE_SIDECAR_ANNOTATION = 'sidecar.istio.io/nativeSidecar';

/** Why the pods of `w` in a namespace labelled `ns` get a sidecar (they certainly do). */
function injectedBecause(w: Workload, ns: Readonly<Record<string, string>> | undefined): string {
  if (w.injectionAsked) return `${w.kind === 'Pod' ? 'the pod' : 'its pod template'} asks for a sidecar (sidecar.istio.io/inject: "true")`;
  if (ns?.['istio-injection'] === 'enabled') return `namespace ${w.namespace} is labelled istio-injection: enabled`;
  return `namespace ${w.namespace} is labelled istio.io/rev: ${ns?.['istio.io/rev']}`;
}

/** What a pod that never completes does to its Job or CronJob (https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#concurrency-policy). */
function consequence(w: Workload): string {
  if (w.kind === 'Pod') return 'the pod stays Running and never reaches Succeeded or Failed: whatever waits for it to complete waits for ever';
  if (w.kind !== 'CronJob') return 'the pod never completes and the Job never succeeds';
  const policy = w.manifest.spec?.concurrencyPolicy ?? 'Allow';
  if (policy === 'Forbid') return 'the first run\'s pod never completes, and with concurrencyPolicy Forbid no later run ever starts';
  if (policy === 'Replace') return 'no run\'s pod ever completes: each is replaced at the next schedule without succeeding';
  return 'no run\'s pod ever completes, and another piles up at every schedule';
}

/** True for the pods meant to run to completion: a Job's or CronJob's, and a bare Pod's that restarts Never or OnFailure. */
function runsToCompletion(w: Workload): boolean {
  if (w.kind === 'Job' || w.kind === 'CronJob') return true;
  const restartPolicy = w.manifest.spec?.restartPolicy;
  return w.kind === 'Pod' && (restartPolicy === 'Never' || restartPolicy === 'OnFailure');
}

/**
 * MESH053, a warning: a Job, CronJob or bare Pod (restartPolicy Never or OnFailure) whose pods certainly get an injected
 * istio-proxy (model/workload.ts, isCertainlyMeshed) that istiod would not make a native sidecar.
 */
export const jobSidecarNeverExits: AnalysisCheck = {
  code: Codes.JOB_SIDECAR_NEVER_EXITS,
  title: 'a Job, CronJob or run-to-completion Pod whose istio-proxy keeps its pods from completing',
  run(index) {
    const out: Finding[] = [];
    const namespaceLabels = index.model.namespaceLabels();
    for (const w of index.model.workloads) {
      if (!runsToCompletion(w)) continue;
      const ns = namespaceLabels.get(w.namespace);
      if (!isCertainlyMeshed(w, ns)) continue;
      const said = w.annotations[NATIVE_SIDECAR_ANNOTATION];
      if (said === 'true' || (said === undefined && index.nativeSidecars)) continue;
      const notNative = said !== undefined
        ? `its ${NATIVE_SIDECAR_ANNOTATION} annotation is "${said}" (istiod injects a native sidecar only for "true")`
        : 'the platform\'s istiod does not inject native sidecars (istio.nativeSidecars false: ENABLE_NATIVE_SIDECARS is off, as in Istio 1.24)';
      const template = podTemplateField(w.manifest);
      // A Pod's own metadata, a template's under its path.
      const metadata = template ? `${template}.metadata` : 'metadata';
      const what = w.kind === 'Pod' ? 'pod' : 'job';
      out.push(finding(
        Codes.JOB_SIDECAR_NEVER_EXITS,
        w.manifest,
        `${metadata}.annotations.${NATIVE_SIDECAR_ANNOTATION}`,
        `istio-proxy is injected (${injectedBecause(w, ns)}) as an ordinary container, since ${notNative}: it keeps running after the ${what}'s `
          + `containers exit, so ${consequence(w)}. Set ${metadata}.annotations ${NATIVE_SIDECAR_ANNOTATION}: "true" (a native sidecar, `
          + `which the kubelet stops once the containers have exited; Kubernetes 1.29 or later), or sidecar.istio.io/inject: "false" if the ${what} `
          + 'calls nothing in the mesh; if its command POSTs to http://localhost:15020/quitquitquit on every way out, acknowledge this warning',
        'warning',
      ));
    }
    return out;
  },
};
