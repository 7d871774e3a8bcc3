/**
 * Checks of StatefulSets as the manifests show them, written once for the library's and
 * hand-written ones alike.
 */
import { Codes } from '../../core/codes';
import { REPLICATION_ANNOTATION } from '../../core/labels';
import { Finding, finding } from '../finding';
import { AnalysisCheck } from './check';
import { AnalysisView } from './view';

/**
 * MESH045 (warning): a StatefulSet of more than one replica, each with claims of its own, that
 * does not say how its image replicates. Each pod gets its own claim of each
 * `volumeClaimTemplates` entry, and a database image started twice is two independent databases
 * behind one Service unless it is configured to replicate (a MongoDB replica set, a MySQL primary
 * and replicas): a client's writes land on whichever pod it reaches. Say how with the
 * `mesh.cdk8s.io/replication` annotation (`stateful.replication` of a MeshService), or
 * acknowledge the warning. A StatefulSet without claims keeps no data of a pod's own beyond the
 * pod's life: its pods are a StatefulSet for their stable names (dedicated game servers that
 * players reach by pod name), and are not reported.
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#volume-claim-templates
 */
export const unreplicatedStatefulSet: AnalysisCheck = {
  code: Codes.STATEFUL_REPLICAS_UNREPLICATED,
  title: 'a StatefulSet of several replicas that does not say how its image replicates',
  run(index: AnalysisView) {
    const out: Finding[] = [];
    for (const m of index.ofKind('StatefulSet')) {
      const replicas = m.spec?.replicas;
      if (typeof replicas !== 'number' || replicas <= 1) continue;
      const claims = m.spec?.volumeClaimTemplates;
      if (!Array.isArray(claims) || claims.length === 0) continue;
      const how = m.metadata?.annotations?.[REPLICATION_ANNOTATION];
      if (typeof how === 'string' && how.trim() !== '') continue;
      out.push(finding(Codes.STATEFUL_REPLICAS_UNREPLICATED, m, 'spec.replicas',
        `${replicas} replicas, each with its own claims (volumeClaimTemplates), and no ${REPLICATION_ANNOTATION} annotation `
        + 'saying how the image keeps them in step: unless it replicates, they are independent databases behind one Service', 'warning'));
    }
    return out;
  },
};

/** The StatefulSet checks. */
export const STATEFUL_CHECKS: readonly AnalysisCheck[] = [unreplicatedStatefulSet];
