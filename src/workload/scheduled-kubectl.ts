/**
 * CronJobs that run kubectl over files held in a ConfigMap, with one ServiceAccount and a
 * Role limited to the resources they patch, and a NetworkPolicy that lets them reach DNS and
 * the API server only. Each run is kubectl itself, no shell: an image such as
 * registry.k8s.io/kubectl holds kubectl and nothing else. cdk8s-plus-27 stays inside
 * src/workload/.
 */
import { ApiObject, Cron, Duration, JsonPatch, Lazy, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { podHardeningProblems } from './pod-hardening';
import { markChecked } from './pod-checks';
import { addNetworkPolicy, HARDENED_CONTAINER, NetworkRule, WORKLOAD_UID } from './workload';
import { addProblems } from '../private/construct-problems';

/** One scheduled kubectl run. */
export interface ScheduledKubectlRun {
  /** The CronJob's construct id under the scope. */
  readonly id: string;
  /** The CronJob's name. */
  readonly name: string;
  readonly schedule: Cron;
  /** kubectl's arguments (`apply -f /config/a.yaml`). */
  readonly args: readonly string[];
  /** How late a missed run may still start; later, it is skipped. */
  readonly startingDeadline: Duration;
  /** How long a run may take before the Job controller stops it. */
  readonly activeDeadline: Duration;
}

/** What {@link addScheduledKubectl} needs. */
export interface ScheduledKubectlSpec {
  /** Name of the ServiceAccount, Role, RoleBinding and NetworkPolicy. */
  readonly name: string;
  /** Name of the ConfigMap with the files, mounted at /config. */
  readonly configMapName: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  /** The image: kubectl at `kubectlPath`; a digest-pinned one is pulled once per node. */
  readonly image: string;
  /** Where kubectl is in the image. */
  readonly kubectlPath: string;
  /** The time zone of every run's schedule (an IANA name, CronJob `timeZone`). */
  readonly timeZone: string;
  /** The runs, each a CronJob. */
  readonly runs: readonly ScheduledKubectlRun[];
  /** The files of the ConfigMap, produced at synth. */
  readonly files: () => Record<string, string>;
  /** Labels of the jobs' pods, which the NetworkPolicy selects. */
  readonly podLabels: Record<string, string>;
  /** RBAC: verbs allowed on resources of one API group. */
  readonly allow: { readonly verbs: string[]; readonly apiGroup: string; readonly resourceType: string };
  /**
   * The API server's endpoint addresses and ports, the jobs' only egress besides DNS. A
   * NetworkPolicy sees the kubernetes Service's endpoints after the Service's DNAT, so
   * these are the endpoints' addresses (`kubectl get endpoints kubernetes`), not the Service's.
   * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/#targeting-a-range-of-ports
   */
  readonly apiServer: { readonly cidrs: readonly string[]; readonly ports: readonly number[] };
  /** The egress rules that let the jobs resolve names (the platform's DNS, `dnsEgressRules`). */
  readonly dns: readonly NetworkRule[];
}

/** The ServiceAccount, Role, RoleBinding, ConfigMap, NetworkPolicy and one CronJob per run. */
export function addScheduledKubectl(scope: Construct, spec: ScheduledKubectlSpec): kplus.CronJob[] {
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
  // The namespace denies all traffic by default; the jobs need DNS and the API server's endpoints.
  addNetworkPolicy(scope, 'NetworkPolicy', metadata, () => ({
    podLabels: { ...spec.podLabels },
    ingress: [],
    egress: [
      ...spec.dns.map((r) => ({ peers: [...r.peers], ports: [...r.ports] })),
      { peers: spec.apiServer.cidrs.map((cidr) => ({ cidr })), ports: spec.apiServer.ports.map((port) => ({ port, protocol: 'TCP' as const })) },
    ],
  }));
  return spec.runs.map((run) => {
    const job = new kplus.CronJob(scope, run.id, {
      metadata: { ...metadata, name: run.name },
      // A sidecar would keep the job's pod running after kubectl ends; the job only talks to the API server.
      podMetadata: { labels: { ...spec.podLabels }, annotations: { 'sidecar.istio.io/inject': 'false' } },
      schedule: run.schedule,
      timeZone: spec.timeZone,
      // cdk8s-plus's default is 10s: a controller busy for longer would skip the run.
      startingDeadline: run.startingDeadline,
      concurrencyPolicy: kplus.ConcurrencyPolicy.FORBID,
      activeDeadline: run.activeDeadline,
      serviceAccount: sa,
      automountServiceAccountToken: true,
      restartPolicy: kplus.RestartPolicy.ON_FAILURE,
      securityContext: { ensureNonRoot: true, user: WORKLOAD_UID, group: WORKLOAD_UID },
      containers: [{
        name: 'kubectl',
        image: spec.image,
        // A digest never names another image: pulled once per node, not at every run.
        imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
        command: [spec.kubectlPath, ...run.args],
        envVariables: { HOME: kplus.EnvValue.fromValue('/tmp') },
        volumeMounts: [{ path: '/config', volume: configVolume }, { path: '/tmp', volume: tmp }],
        securityContext: HARDENED_CONTAINER,
        resources: {
          cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(200) },
          memory: { request: Size.mebibytes(64), limit: Size.mebibytes(128) },
        },
      }],
    });
    // The runtime's default seccomp profile, as every pod of the library's (cdk8s-plus-27 has no field for it).
    ApiObject.of(job).addJsonPatch(JsonPatch.add('/spec/jobTemplate/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }));
    // Its pod mounts its token on purpose (it calls the API server) and is checked so.
    markChecked(job);
    addProblems(job, () => podHardeningProblems(ApiObject.of(job).toJson().spec?.jobTemplate?.spec?.template?.spec, { allowToken: true }));
    return job;
  });
}
