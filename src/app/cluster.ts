import * as path from 'node:path';
import { MeshPlatform } from '../index';

/**
 * The example cluster as its team commits it beside the app: a snapshot of the objects the
 * platform is read from (`kubectl get endpoints kubernetes -n default -o yaml`). Synth reads
 * it, so the API server's addresses follow the cluster and a placeholder fails (MESH090).
 */
export const EXAMPLE_CLUSTER_SNAPSHOT = path.join(__dirname, 'cluster', 'kubernetes-endpoints.yaml');

/**
 * The example cluster's platform as its snapshot shows it: the API server's endpoints (the
 * only component the snapshot holds; the others are the seeds' defaults). The examples are
 * built on several platforms (the presets' tests), but the API server is a fact of this one
 * cluster, so the fault job reads it from here; a team whose whole platform is one snapshot
 * leaves the job's `apiServer` out and it takes the platform's.
 */
export function exampleCluster(): MeshPlatform {
  return MeshPlatform.fromManifests([EXAMPLE_CLUSTER_SNAPSHOT], { components: ['apiServer'] });
}
