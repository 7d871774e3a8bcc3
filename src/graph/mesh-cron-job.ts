/**
 * A batch workload of the mesh: a CronJob whose pods are hardened as a MeshService's, run as a ServiceAccount
 * of their own, complete under Istio (the proxy a native sidecar), and reach exactly the services they call,
 * each of which admits the job's principal on the operations called; the calls are intended flows synth proves.
 */
import { Cron, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { Codes } from '../core/codes';
import { formatProblem } from '../core/errors';
import type { IntendedFlow } from '../core/flow';
import { flowMethods, HttpMethod } from '../core/http';
import { Labels } from '../core/labels';
import { dns1123LabelProblem } from '../core/names';
import { GRPC_PROTOCOLS, HTTP_PROTOCOLS } from '../core/ports';
import { Principal } from '../core/principal';
import { withCollectionPaths } from '../core/authorization';
import { addProblems } from '../private/construct-problems';
import { ContainerResources, withResourceDefaults } from '../workload/container-options';
import { addCronJob } from '../workload/pod-builder';
import type { PodOptions } from '../workload/pod-props';
import { addNetworkPolicy, addServiceAccount } from '../workload/workload';
import type { MeshCronJobObject } from '../workload/mesh-pod';
import { meshChartOf } from './brands';
import { concretePath, httpPort } from './intended-flows';
import type { IMeshChart } from './interfaces';
import type { MeshService } from './mesh-service';
import { RemoteCaller } from './remote-caller';
import { MeshSecurity } from './security/mesh-security';
import { ServiceSecurity } from './security/service-security';
import { addPeersSidecar, callingWorkloadPeers, CallingWorkload, renderServiceNetworkPolicy } from './security/service-security.render';

/** The pod options a MeshCronJob takes: a MeshService's, but for ports, probes, scheduling and long-running containers. */
export type JobPodOptions = Pick<PodOptions, 'env' | 'command' | 'args' | 'initContainers' | 'volumes' | 'mounts' | 'writableTmp'
  | 'podAnnotations' | 'podLabels' | 'imagePullPolicy' | 'imagePullSecrets' | 'terminationGracePeriod' | 'serviceAccountAnnotations'
  | 'security' | 'podSecurity'>;

/** What a {@link MeshCronJob} runs, and when. */
export interface MeshCronJobProps extends JobPodOptions {
  /** The job's image. */
  readonly image: string;
  /** When it runs (`Cron.schedule({ minute: '0', hour: '3' })`). */
  readonly schedule: Cron;
  /**
   * The name of the CronJob, its ServiceAccount (the job's principal), NetworkPolicy and Sidecar, and its pods' `app` label.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * The time zone of `schedule`, an IANA name (CronJob `timeZone`).
   * @default - the kube-controller-manager's local time zone
   * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones
   */
  readonly timeZone?: string;
  /**
   * What the controller does when a run is due while the last one still runs.
   * @default 'Forbid' - the next run waits (a compaction or a settlement must not run twice at once)
   * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#concurrency-policy
   */
  readonly concurrencyPolicy?: 'Allow' | 'Forbid' | 'Replace';
  /**
   * How late a run may still start (CronJob `startingDeadlineSeconds`); a run the controller could not start by then is
   * skipped. At least 10 seconds.
   * @default Duration.hours(1) - a run survives a kube-controller-manager restart or leader change, which takes longer
   *   than cdk8s-plus-27's 10 seconds, and, with `Forbid`, a previous run that overran by less than an hour; after a longer
   *   outage the controller starts only the latest missed run.
   * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#job-creation
   */
  readonly startingDeadline?: Duration;
  /**
   * How long a run may take before the Job controller stops its pods and marks it failed (Job `activeDeadlineSeconds`).
   * @default - no limit
   */
  readonly activeDeadline?: Duration;
  /**
   * How many times a run's pod is retried before the run fails (Job `backoffLimit`).
   * @default 6 - Kubernetes' default
   */
  readonly backoffLimit?: number;
  /** Finished successful runs kept. @default 3 */
  readonly successfulJobsRetained?: number;
  /** Finished failed runs kept. @default 1 */
  readonly failedJobsRetained?: number;
  /** Whether runs are suspended. @default false */
  readonly suspend?: boolean;
  /**
   * The job container's CPU and memory.
   * @default - the library's defaults, as a MeshService's
   */
  readonly resources?: ContainerResources;
}

/** What a job's call to a service uses: the callee admits the job's principal on exactly these. */
export interface JobCallOptions {
  /**
   * The HTTP methods called (HTTP and gRPC ports only).
   * @default - every method
   */
  readonly methods?: HttpMethod[];
  /**
   * The request paths, as AuthorizationPolicy takes them (`/api/ledger/*`).
   * @default - every path
   */
  readonly paths?: string[];
  /**
   * The service's port called: the job's NetworkPolicy and the callee's rule open its container port only.
   * @default - every port of the service; the flows are proved on its first HTTP port
   */
  readonly port?: number;
}

/** One call of a job. */
export interface JobCall {
  /** The service called. */
  readonly target: MeshService;
  /** What the call uses. */
  readonly options: JobCallOptions;
}

/**
 * A CronJob of the mesh: a nightly compaction, a settlement run that calls a ledger API. Its pods are hardened as a
 * MeshService's (non-root, read-only root filesystem, no capabilities, seccomp RuntimeDefault, no ServiceAccount token)
 * and run as a ServiceAccount of their own, whose principal each callee admits (`calls`); istio-proxy is a native
 * sidecar (`sidecar.istio.io/nativeSidecar: "true"`), so the pod completes once the job's container exits; its
 * NetworkPolicy lets it out to DNS, istiod and its callees only, its Sidecar to its callees' hosts only. Each call is
 * an intended flow from the job's pods, proved at synth (MESH600 when a callee's policies refuse it).
 *
 * @example
 * const settle = new MeshCronJob(chart, 'settlement', {
 *   image: 'registry.example.com/settle:1.0', schedule: Cron.schedule({ minute: '0', hour: '1' }),
 * });
 * settle.calls(ledger, { methods: ['POST'], paths: ['/api/settlements'] });
 */
export class MeshCronJob extends Construct {
  /** The job's name: its CronJob's, ServiceAccount's and pods' `app` label. */
  public readonly name: string;
  public readonly namespace: string;
  /** The chart the job belongs to. */
  public readonly chart: IMeshChart;
  /** The principal its pods' requests carry. */
  public readonly principal: Principal;
  /** The labels of its pods. */
  public readonly podLabels: Readonly<Record<string, string>>;
  /** The labels that select its pods (`app: <name>`). */
  public readonly selectorLabels: Readonly<Record<string, string>>;
  /** When it runs. */
  public readonly schedule: Cron;
  /** Its time zone, if given. */
  public readonly timeZone?: string;
  public readonly concurrencyPolicy: 'Allow' | 'Forbid' | 'Replace';
  public readonly startingDeadline: Duration;
  public readonly activeDeadline?: Duration;
  public readonly backoffLimit: number;
  private readonly _calls: JobCall[] = [];
  private readonly job?: MeshCronJobObject;

  public constructor(scope: Construct, id: string, props: MeshCronJobProps) {
    super(scope, id);
    const {
      image, schedule, name, timeZone, concurrencyPolicy, startingDeadline, activeDeadline, backoffLimit,
      successfulJobsRetained, failedJobsRetained, suspend, resources, ...pod
    } = props;
    this.chart = meshChartOf(this);
    this.name = name ?? id;
    this.namespace = this.chart.namespace;
    this.schedule = schedule;
    this.timeZone = timeZone;
    this.concurrencyPolicy = concurrencyPolicy ?? 'Forbid';
    this.startingDeadline = startingDeadline ?? Duration.hours(1);
    this.activeDeadline = activeDeadline;
    this.backoffLimit = backoffLimit ?? 6;
    const nameProblem = dns1123LabelProblem(this.name);
    this.principal = nameProblem
      ? Principal.serviceAccount('invalid', 'invalid', this.chart.trustDomain)
      : Principal.serviceAccount(this.namespace, this.name, this.chart.trustDomain);
    // Policies of the app may name it (a DENY rule for the job), as they name a service's.
    if (!nameProblem) this.chart._registerWorkloadPrincipal(this.principal.toString());
    const common = { ...this.chart.commonLabels(), [Labels.NAME]: this.name };
    this.selectorLabels = { [Labels.APP]: this.name };
    this.podLabels = { [Labels.APP]: this.name, ...common };
    const retained = { successful: successfulJobsRetained ?? 3, failed: failedJobsRetained ?? 1 };
    const problems = this.settingsProblems(retained);
    addProblems(this, () => [
      ...(nameProblem ? [formatProblem(Codes.INVALID_NAME, `name: ${nameProblem}`)] : []),
      ...problems,
      ...this.callProblems(),
    ]);
    const meta = { name: this.name, namespace: this.namespace, labels: { ...common } };
    const sa = addServiceAccount(this, 'ServiceAccount', this.name, this.namespace, { ...common }, pod.serviceAccountAnnotations);
    // cdk8s-plus-27 throws a plain Error for settings it refuses; they are reported above (MESH270) instead.
    if (problems.length === 0) {
      this.job = addCronJob(this, 'CronJob', {
        name: this.name, namespace: this.namespace, labels: { ...this.podLabels }, image, serviceAccount: sa,
        resources: withResourceDefaults(resources), pod: pod as PodOptions,
        // Istio's injection template makes istio-proxy a native sidecar (an init container with restartPolicy Always),
        // which the kubelet stops once the job's container has exited: the pod completes (Kubernetes 1.29 or later).
        // https://istio.io/latest/blog/2023/native-sidecars/
        podAnnotations: { 'sidecar.istio.io/nativeSidecar': 'true' },
        schedule, timeZone, concurrencyPolicy: this.concurrencyPolicy, startingDeadline: this.startingDeadline, activeDeadline,
        backoffLimit: this.backoffLimit, successfulJobsRetained: retained.successful, failedJobsRetained: retained.failed, suspend: suspend ?? false,
      });
    }
    const peers = () => callingWorkloadPeers(this.securityView(), MeshSecurity.of(this.chart));
    addNetworkPolicy(this, 'NetworkPolicy', meta, () => renderServiceNetworkPolicy(peers()));
    addPeersSidecar(this, 'Sidecar', meta, peers);
    this.chart.addIntendedFlows(() => this.flows());
  }

  /** The calls declared, in order. */
  public get jobCalls(): readonly JobCall[] {
    return [...this._calls];
  }

  /**
   * Declares that the job calls `service` (a MeshService of this app): the service admits the job's principal on
   * `methods`, `paths` and `port` (an ALLOW rule, a NetworkPolicy ingress peer), the job's NetworkPolicy and Sidecar let it
   * out to the service, and each method and path is an intended flow from the job's pods, proved at synth.
   */
  public calls(service: MeshService, options: JobCallOptions = {}): void {
    const copied: JobCallOptions = { ...options, methods: options.methods && [...options.methods], paths: options.paths && [...options.paths] };
    this._calls.push({ target: service, options: copied });
    const caller = RemoteCaller.workload({
      name: this.name, namespace: this.namespace, serviceAccount: this.name, podLabels: { ...this.selectorLabels },
    });
    ServiceSecurity.of(service)._admit(caller, copied, true);
  }

  /** The CronJob, for the rare escape hatch; undefined when its settings are refused (MESH270). */
  public get cronJob(): MeshCronJobObject | undefined {
    return this.job;
  }

  private securityView(): CallingWorkload {
    return {
      name: this.name, namespace: this.namespace, selectorLabels: this.selectorLabels, ports: [], chart: this.chart,
      calls: this._calls.map((c) => ({ target: c.target, port: c.options.port })),
    };
  }

  /** Each call's flows from the job's pods: every method and path (made concrete) on an HTTP port, one connection on a TCP one. */
  private flows(): IntendedFlow[] {
    const out: IntendedFlow[] = [];
    const source = { workload: this.name, namespace: this.namespace };
    for (const { target, options } of this._calls) {
      const wanted = options.port ?? httpPort(target);
      const port = target.ports.find((p) => p.port === wanted);
      if (!port) continue; // reported by the callee (MESH605)
      const host = target.namespace === this.namespace ? target.name : `${target.name}.${target.namespace}.svc.cluster.local`;
      const reaches = { namespace: target.namespace, service: target.name };
      const base = { source, host, port: port.port, expect: 'allow' as const, reaches, constructPath: this.node.path };
      if (!HTTP_PROTOCOLS.includes(port.protocol)) {
        out.push({ ...base, protocol: 'TCP', description: `${this.name} calls ${target.name} on ${port.port}/TCP` });
        continue;
      }
      const grpc = GRPC_PROTOCOLS.includes(port.protocol);
      const paths = (grpc ? [...(options.paths ?? ['/'])] : withCollectionPaths(options.paths ?? ['/'])).map(concretePath);
      const methods: HttpMethod[] = grpc && !options.methods ? ['POST'] : flowMethods(options.methods);
      for (const method of methods) {
        for (const path of paths) out.push({ ...base, method, path, description: `${this.name} calls ${target.name} ${method} ${path}` });
      }
    }
    return out;
  }

  /** A call to a service outside the app (MESH019): its chart's manifests are not checked with this one's. */
  private callProblems(): string[] {
    return this._calls.filter((c) => c.target.node.root !== this.node.root)
      .map((c) => formatProblem(Codes.UNKNOWN_SERVICE, `calls ${c.target.node.path}, which is not a service of this app`));
  }

  /** Settings the CronJob controller cannot honour (MESH270). */
  private settingsProblems(retained: { successful: number; failed: number }): string[] {
    const out: string[] = [];
    const bad = (field: string, m: string) => out.push(formatProblem(Codes.INVALID_CRON_JOB, `${field}: ${m}`));
    // The CronJob controller's resync: a shorter deadline may pass before it looks (cdk8s-plus-27 refuses it too).
    if (this.startingDeadline.toSeconds() < 10) {
      bad('startingDeadline', `${this.startingDeadline.toSeconds()}s is under 10 seconds: the CronJob controller may look later and skip every run`);
    }
    if (this.activeDeadline !== undefined && this.activeDeadline.toSeconds() < 1) {
      bad('activeDeadline', 'under one second: every run would be stopped as it starts');
    }
    if (!Number.isInteger(this.backoffLimit) || this.backoffLimit < 0) bad('backoffLimit', `${this.backoffLimit} is not a whole number of retries`);
    for (const [field, n] of [['successfulJobsRetained', retained.successful], ['failedJobsRetained', retained.failed]] as const) {
      if (!Number.isInteger(n) || n < 0) bad(field, `${n} is not a whole number of runs`);
    }
    const tz = this.timeZone;
    if (tz !== undefined && (!/^[A-Za-z]+(?:[/_+-][A-Za-z0-9_+-]+)*$/.test(tz) || tz.startsWith('TZ'))) {
      bad('timeZone', `'${tz}' is not an IANA time zone name (Etc/UTC, Europe/Paris)`);
    }
    return out;
  }
}
