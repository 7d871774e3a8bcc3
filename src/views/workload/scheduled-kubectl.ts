/**
 * A CronJob that runs a kubectl script over files held in a ConfigMap, with a
 * ServiceAccount and a Role limited to the resources it patches. cdk8s-plus-27
 * stays inside src/views/workload/.
 */
import { ApiObject, Cron, Duration, Lazy, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { podHardeningProblems } from '../security/pod-hardening';
import { markChecked } from './pod-checks';
import { addNetworkPolicy, HARDENED_CONTAINER, NetworkRule, WORKLOAD_UID } from './workload';

/** What {@link addScheduledKubectl} needs. */
export interface ScheduledKubectlSpec {
  /** Name of the CronJob, and of its ServiceAccount and Role. */
  readonly name: string;
  /** Name of the ConfigMap with the files, mounted at /config. */
  readonly configMapName: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly schedule: Cron;
  readonly image: string;
  /** The shell script the job runs. */
  readonly script: string;
  /** The files of the ConfigMap, produced at synth. */
  readonly files: () => Record<string, string>;
  /** Labels of the job's pods, which its NetworkPolicy selects. */
  readonly podLabels: Record<string, string>;
  /** RBAC: verbs allowed on resources of one API group. */
  readonly allow: { readonly verbs: string[]; readonly apiGroup: string; readonly resourceType: string };
  /**
   * The API server's endpoint addresses and ports, the job's only egress besides DNS. A
   * NetworkPolicy sees the kubernetes Service's endpoints after the Service's DNAT, so
   * these are the endpoints' addresses (`kubectl get endpoints kubernetes`), not the Service's.
   * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/#targeting-a-range-of-ports
   */
  readonly apiServer: { readonly cidrs: readonly string[]; readonly ports: readonly number[] };
  /** The egress rules that let the job resolve names (the platform's DNS, `dnsEgressRules`). */
  readonly dns: readonly NetworkRule[];
  /** How long a run may take before the Job controller stops it (its pods get SIGTERM). */
  readonly activeDeadline: Duration;
}

/** The ServiceAccount, Role, RoleBinding, ConfigMap and CronJob of a scheduled kubectl script. */
export function addScheduledKubectl(scope: Construct, spec: ScheduledKubectlSpec): kplus.CronJob {
  const metadata = { name: spec.name, namespace: spec.namespace, labels: spec.labels };
  const sa = new kplus.ServiceAccount(scope, 'ServiceAccount', { metadata, automountToken: true });
  const role = new kplus.Role(scope, 'Role', { metadata });
  role.allow(spec.allow.verbs, kplus.ApiResource.custom({ apiGroup: spec.allow.apiGroup, resourceType: spec.allow.resourceType }));
  new kplus.RoleBinding(scope, 'RoleBinding', { metadata, role }).addSubjects(sa);
  new kplus.k8s.KubeConfigMap(scope, 'ConfigMap', {
    metadata: { name: spec.configMapName, namespace: spec.namespace, labels: spec.labels },
    data: Lazy.any({ produce: () => spec.files() }),
  });
  const configVolume = kplus.Volume.fromConfigMap(scope, 'ConfigVolume',
    kplus.ConfigMap.fromConfigMapName(scope, 'ConfigMapRef', spec.configMapName), { name: 'config' });
  const tmp = kplus.Volume.fromEmptyDir(scope, 'TmpVolume', 'tmp');
  // The namespace denies all traffic by default; the job needs DNS and the API server's endpoints.
  addNetworkPolicy(scope, 'NetworkPolicy', metadata, () => ({
    podLabels: { ...spec.podLabels },
    ingress: [],
    egress: [
      ...spec.dns.map((r) => ({ peers: [...r.peers], ports: [...r.ports] })),
      { peers: spec.apiServer.cidrs.map((cidr) => ({ cidr })), ports: spec.apiServer.ports.map((port) => ({ port, protocol: 'TCP' as const })) },
    ],
  }));
  const job = new kplus.CronJob(scope, 'CronJob', {
    metadata,
    // A sidecar would keep the job's pod running after the script ends; the job only talks to the API server.
    podMetadata: { labels: { ...spec.podLabels }, annotations: { 'sidecar.istio.io/inject': 'false' } },
    schedule: spec.schedule,
    concurrencyPolicy: kplus.ConcurrencyPolicy.FORBID,
    // After the deadline the Job controller deletes the pod: SIGTERM, whose trap restores.
    activeDeadline: spec.activeDeadline,
    serviceAccount: sa,
    automountServiceAccountToken: true,
    restartPolicy: kplus.RestartPolicy.ON_FAILURE,
    securityContext: { ensureNonRoot: true, user: WORKLOAD_UID, group: WORKLOAD_UID },
    containers: [{
      name: 'kubectl',
      image: spec.image,
      command: ['/bin/sh', '-c', spec.script],
      envVariables: { HOME: kplus.EnvValue.fromValue('/tmp') },
      volumeMounts: [{ path: '/config', volume: configVolume }, { path: '/tmp', volume: tmp }],
      securityContext: HARDENED_CONTAINER,
      resources: {
        cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(200) },
        memory: { request: Size.mebibytes(64), limit: Size.mebibytes(128) },
      },
    }],
  });
  // Its pod mounts its token on purpose (it calls the API server) and is checked so.
  markChecked(job);
  job.node.addValidation({ validate: () => podHardeningProblems(ApiObject.of(job).toJson().spec?.jobTemplate?.spec?.template?.spec, { allowToken: true }) });
  return job;
}
