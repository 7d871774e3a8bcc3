/**
 * Every use of cdk8s-plus-27 lives in this folder, so that moving to a newer
 * cdk8s-plus is a change of one dependency and one folder.
 */
import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';

/** CPU and memory requests and limits of a container. */
export interface ContainerResources {
  /**
   * CPU request, in millicores.
   * @default 100
   */
  readonly cpuRequestMillis?: number;
  /**
   * CPU limit, in millicores.
   * @default 500
   */
  readonly cpuLimitMillis?: number;
  /**
   * Memory request, in MiB.
   * @default 128
   */
  readonly memoryRequestMebibytes?: number;
  /**
   * Memory limit, in MiB.
   * @default 512
   */
  readonly memoryLimitMebibytes?: number;
}

/** The defaults of {@link ContainerResources}. */
export const DEFAULT_RESOURCES: Required<ContainerResources> = {
  cpuRequestMillis: 100,
  cpuLimitMillis: 500,
  memoryRequestMebibytes: 128,
  memoryLimitMebibytes: 512,
};

/** The user and group workloads run as: not root, and not 1337 (Envoy's). */
export const WORKLOAD_UID = 10001;

/** What {@link addDeployment} needs. */
export interface DeploymentSpec {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly selector: Record<string, string>;
  readonly image: string;
  readonly replicas: number;
  readonly serviceAccount: kplus.IServiceAccount;
  readonly containerPorts: { readonly name: string; readonly number: number }[];
  readonly resources: Required<ContainerResources>;
  /** HTTP path for the readiness probe, on the first port; none for non-HTTP services. */
  readonly readinessPath?: string;
  /** HTTP path for the liveness probe, on the first port. */
  readonly livenessPath?: string;
  readonly automountServiceAccountToken: boolean;
}

/** A hardened Deployment: non-root, read-only root filesystem, no privilege escalation, no capabilities. */
export function addDeployment(scope: Construct, id: string, spec: DeploymentSpec): kplus.Deployment {
  const first = spec.containerPorts[0];
  const deployment = new kplus.Deployment(scope, id, {
    metadata: { name: spec.name, namespace: spec.namespace, labels: spec.labels },
    replicas: spec.replicas,
    select: false,
    spread: false,
    serviceAccount: spec.serviceAccount,
    automountServiceAccountToken: spec.automountServiceAccountToken,
    podMetadata: { labels: spec.labels },
    securityContext: { ensureNonRoot: true, user: WORKLOAD_UID, group: WORKLOAD_UID, fsGroup: WORKLOAD_UID },
    containers: [{
      name: 'app',
      image: spec.image,
      ports: spec.containerPorts.map((p) => ({ name: p.name, number: p.number })),
      securityContext: {
        ensureNonRoot: true,
        user: WORKLOAD_UID,
        group: WORKLOAD_UID,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        privileged: false,
        // Kubernetes' "ALL" is not in cdk8s-plus-27's Capability enum, whose values are CAP_*.
        capabilities: { drop: ['ALL' as kplus.Capability] },
      },
      resources: {
        cpu: { request: kplus.Cpu.millis(spec.resources.cpuRequestMillis), limit: kplus.Cpu.millis(spec.resources.cpuLimitMillis) },
        memory: { request: Size.mebibytes(spec.resources.memoryRequestMebibytes), limit: Size.mebibytes(spec.resources.memoryLimitMebibytes) },
      },
      readiness: spec.readinessPath && first ? kplus.Probe.fromHttpGet(spec.readinessPath, { port: first.number }) : undefined,
      liveness: spec.livenessPath && first ? kplus.Probe.fromHttpGet(spec.livenessPath, { port: first.number }) : undefined,
    }],
  });
  deployment.select(kplus.LabelSelector.of({ labels: spec.selector }));
  return deployment;
}

/** A ServiceAccount whose token is not mounted unless a pod asks. */
export function addServiceAccount(scope: Construct, id: string, name: string, namespace: string, labels: Record<string, string>): kplus.ServiceAccount {
  return new kplus.ServiceAccount(scope, id, {
    metadata: { name, namespace, labels },
    automountToken: false,
  });
}

/** A ClusterIP Service selecting pods by label. */
export function addService(scope: Construct, id: string, spec: {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly selector: Record<string, string>;
  readonly ports: { readonly name: string; readonly port: number; readonly targetPort: number; readonly protocol: 'TCP' | 'UDP' }[];
}): kplus.Service {
  const service = new kplus.Service(scope, id, {
    metadata: { name: spec.name, namespace: spec.namespace, labels: spec.labels },
    ports: spec.ports.map((p) => ({
      name: p.name,
      port: p.port,
      targetPort: p.targetPort,
      protocol: p.protocol === 'UDP' ? kplus.Protocol.UDP : kplus.Protocol.TCP,
    })),
  });
  for (const [k, v] of Object.entries(spec.selector)) service.selectLabel(k, v);
  return service;
}

/** A Namespace with the given labels (sidecar injection among them). */
export function addNamespace(scope: Construct, id: string, name: string, labels: Record<string, string>): kplus.Namespace {
  return new kplus.Namespace(scope, id, { metadata: { name, labels } });
}

/** The type of a ServiceAccount a workload runs as. */
export type WorkloadServiceAccount = kplus.ServiceAccount;

/** A ConfigMap holding text files (dashboards for the Grafana sidecar, say). */
export function addConfigMap(scope: Construct, id: string, spec: {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly data: Record<string, string>;
}): kplus.ConfigMap {
  return new kplus.ConfigMap(scope, id, {
    metadata: { name: spec.name, namespace: spec.namespace, labels: spec.labels },
    data: spec.data,
  });
}
