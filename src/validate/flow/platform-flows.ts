/**
 * The platform as flows see it: the options every evaluation over a MeshPlatform's cluster
 * takes (its pods, trust domain, root namespace and istiod), so synth, the command line, the
 * topology picture and the connectivity diff judge the same cluster.
 */
import type { MeshPlatform } from '../../platform/platform';
import { FlowOptions } from './cluster';

/**
 * The flow options of `platform` for an environment in `namespace`: its components as platform
 * pods (the rate-limit service in `namespace` unless the platform gives it one), its trust
 * domain and root namespace, and istiod on its xDS port, which every sidecar must reach to
 * become ready.
 */
export function platformFlowOptions(platform: MeshPlatform, namespace: string): FlowOptions {
  return {
    trustDomain: platform.trustDomain,
    rootNamespace: platform.istio.rootNamespace,
    platform: platform.workloads(namespace),
    controlPlane: { workload: platform.istiodWorkload(), port: platform.istio.xdsPort },
  };
}
