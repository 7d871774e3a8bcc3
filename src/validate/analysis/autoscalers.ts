/**
 * Checks of HorizontalPodAutoscalers as the manifests show them, written once for the
 * library's and hand-written ones alike.
 */
import { Codes } from '../../core/codes';
import { Finding, finding } from '../finding';
import { AnalysisCheck } from './check';
import { AnalysisView, namespaceOf } from './view';

/** The workload kinds of apps/v1 with a scale subresource that an autoscaler may target. */
const SCALABLE_KINDS = ['Deployment', 'StatefulSet', 'ReplicaSet'];

/**
 * MESH056: a HorizontalPodAutoscaler whose `scaleTargetRef` names an apps/v1 Deployment,
 * StatefulSet or ReplicaSet that the manifests do not hold, in a namespace where they hold
 * workloads of that kind (a partial set, whose target another tool applies, is not judged).
 * The API server accepts such an autoscaler; its controller cannot read the target's scale,
 * marks it `AbleToScale: False` (reason `FailedGetScale`) and scales nothing (kubernetes
 * pkg/controller/podautoscaler/horizontal.go, reconcileAutoscaler), so the workload that does
 * serve keeps whatever count it was last given. Other kinds (a custom resource with a scale
 * subresource) are not checked.
 * @see https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/horizontal-pod-autoscaler-v2/
 */
export const autoscalerTargetNotFound: AnalysisCheck = {
  code: Codes.AUTOSCALER_TARGET_NOT_FOUND,
  title: 'a HorizontalPodAutoscaler whose target workload is not in the manifests',
  run(index: AnalysisView) {
    const out: Finding[] = [];
    const written = new Set<string>();
    const held = new Set<string>();
    for (const kind of SCALABLE_KINDS) {
      for (const m of index.ofKind(kind)) {
        written.add(`${kind}\u0000${namespaceOf(m)}\u0000${m.metadata?.name}`);
        held.add(`${kind}\u0000${namespaceOf(m)}`);
      }
    }
    for (const hpa of index.ofKind('HorizontalPodAutoscaler')) {
      const ref = hpa.spec?.scaleTargetRef;
      const kind = String(ref?.kind ?? '');
      const ns = namespaceOf(hpa);
      if (ref?.apiVersion !== 'apps/v1' || !SCALABLE_KINDS.includes(kind) || !held.has(`${kind}\u0000${ns}`)) continue;
      if (written.has(`${kind}\u0000${ns}\u0000${ref.name}`)) continue;
      out.push(finding(Codes.AUTOSCALER_TARGET_NOT_FOUND, hpa, 'spec.scaleTargetRef.name',
        `targets ${kind} ${ref.name}, which is not among the manifests' ${kind}s of namespace ${ns}: the autoscaler cannot read its scale `
        + '(FailedGetScale) and scales nothing; target the workload that serves'));
    }
    return out;
  },
};

/** The HorizontalPodAutoscaler checks. */
export const AUTOSCALER_CHECKS: readonly AnalysisCheck[] = [autoscalerTargetNotFound];
