/**
 * Batch workloads of the mesh: a CronJob (or a Job) whose pods are hardened as a MeshService's, run as a ServiceAccount
 * of their own, complete under Istio (the proxy a native sidecar), and reach exactly the services they call,
 * each of which admits the job's principal on the operations called; the calls are intended flows synth proves.
 */
import { Cron, Duration } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { Codes } from '../core/codes';
import { formatProblem } from '../core/errors';
import type { IntendedFlow } from '../core/flow';
import { flowMethods, HttpMethod } from '../core/http';
import { Labels } from '../core/labels';
import { dns1123LabelProblem } from '../core/names';
import { GRPC_PROTOCOLS, HTTP_PROTOCOLS } from '../core/ports';
import { Principal } from '../core/principal';
import { withCollectionPaths } from '../core/authorization';
import { addProblems, setPrimaryObject } from '../private/construct-problems';
import { ENVOY_PROMETHEUS_PORT, MERGED_METRICS_PORT } from '../platform/platform';
import { ContainerResources, withResourceDefaults } from '../workload/container-options';
import { addCronJob, addJob, BatchPodSpec } from '../workload/pod-builder';
import type { PodOptions } from '../workload/pod-props';
import { addNetworkPolicy, addServiceAccount } from '../workload/workload';
import type { MeshCronJobObject, MeshJobObject } from '../workload/mesh-pod';
import { Chart } from 'cdk8s';
import type { Problem } from '../core/problem';
import { hasBrand, isExternalService, isMeshChart, isRemoteService, MESH_BATCH_WORKLOAD_BRAND, meshChartOf, setBrand } from './brands';
import { callProblems, ExternalCallShape } from './call-problems';
import { callerName, concretePath, externalCallFlows, httpPort } from './intended-flows';
import {
  batchNativeSidecarProblems, DeclaredInitCall, declaredInitCalls, initCallProblems, MeshInitContainerOptions, podWithInitCalls, renameCallFields,
} from './init-container-calls';
import type { IExternalService, IMeshChart, IRemoteService } from './interfaces';
import { recordRemoteCalls } from './remote-calls';
import type { ExternalCallOptions } from './service-call';
import { callPortProblems } from './service-problems';
import type { MeshService } from './mesh-service';
import { RemoteCaller } from './remote-caller';
import { MeshSecurity } from './security/mesh-security';
import { ServiceSecurity } from './security/service-security';
import type { AdmitOptions } from './security/remote-admission';
import { podWithVault, VaultAgent, vaultAnnotationProblems, vaultInitCall } from './vault-agent';
import { addPeersSidecar, callingWorkloadPeers, CallingWorkload, renderServiceNetworkPolicy } from './security/service-security.render';

/** The pod options a MeshCronJob takes: a MeshService's, but for ports, probes, scheduling and long-running containers. */
export type JobPodOptions = Pick<PodOptions, 'env' | 'command' | 'args' | 'initContainers' | 'volumes' | 'mounts' | 'writableTmp'
  | 'podAnnotations' | 'podLabels' | 'imagePullPolicy' | 'imagePullSecrets' | 'terminationGracePeriod' | 'serviceAccountAnnotations'
  | 'security' | 'podSecurity'>;

/** What a batch job of the mesh runs: a {@link MeshCronJob}'s or a {@link MeshJob}'s. */
export interface MeshBatchProps extends JobPodOptions {
  /** The job's image. */
  readonly image: string;
  /**
   * Containers run in order before the job's container, each with what it calls over the network (`calls`), as a
   * MeshService's: each call is a call of the job (`calls()`), from its pods, through istio-proxy, the pods' native sidecar.
   * @default - none
   */
  readonly initContainers?: MeshInitContainerOptions[];
  /**
   * Secrets from HashiCorp Vault, rendered into `/vault/secrets/<name>` by its agent injector before the job's container starts
   * (`VaultAgent.of({ role, server, secrets })`), as a MeshService's: the injector's annotations with
   * `vault.hashicorp.com/agent-pre-populate-only: "true"` (the init container alone: a `vault-agent` container would keep the
   * pod running after the job's container exits), the ServiceAccount token mounted (the agent logs in with it), and the agent's
   * connections to Vault's Service a call of the job's pods, through their native sidecar.
   * @default - none
   * @see https://developer.hashicorp.com/vault/docs/platform/k8s/injector/annotations
   */
  readonly vault?: VaultAgent;
  /**
   * The name of the job object, its ServiceAccount (the job's principal), NetworkPolicy and Sidecar, and its pods' `app` label.
   * @default - the construct id
   */
  readonly name?: string;
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
  /**
   * The job container's CPU and memory.
   * @default - the library's defaults, as a MeshService's
   */
  readonly resources?: ContainerResources;
}

/** What a {@link MeshCronJob} runs, and when. */
export interface MeshCronJobProps extends MeshBatchProps {
  /** When it runs (`Cron.schedule({ minute: '0', hour: '3' })`). */
  readonly schedule: Cron;
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
  /** Finished successful runs kept. @default 3 */
  readonly successfulJobsRetained?: number;
  /** Finished failed runs kept. @default 1 */
  readonly failedJobsRetained?: number;
  /** Whether runs are suspended. @default false */
  readonly suspend?: boolean;
}

/** What a {@link MeshJob} runs once. */
export interface MeshJobProps extends MeshBatchProps {
  /**
   * How long the finished Job is kept before Kubernetes deletes it (Job `ttlSecondsAfterFinished`). A tool that applies
   * the folder again (Argo CD, Flux) then creates it anew, and it runs again.
   * @default - kept until deleted
   * @see https://kubernetes.io/docs/concepts/workloads/controllers/ttlafterfinished/
   */
  readonly ttlAfterFinished?: Duration;
}

/**
 * What a job's call to a service uses, as an admission's ({@link AdmitOptions}): the callee admits the job's principal on
 * exactly these methods, paths and port, and the flows are proved on the port (by default the service's first HTTP port).
 */
export type JobCallOptions = AdmitOptions;

/** One call of a job. */
export interface JobCall {
  /** The service called. */
  readonly target: MeshService;
  /** What the call uses. */
  readonly options: JobCallOptions;
}

/** One call of a job to another team's service (a {@link RemoteService}). */
export interface JobRemoteCall {
  /** The service called. */
  readonly target: IRemoteService;
  /** The port, methods and paths the call uses, recorded for the other team's check. */
  readonly options: JobCallOptions;
}

/** One call of a job to a service outside the mesh (an {@link ExternalService}). */
export interface JobExternalCall {
  /** The external service called. */
  readonly target: IExternalService;
  /** The port, methods and paths the call uses. */
  readonly options: ExternalCallOptions;
}

/**
 * A batch job of the mesh (a {@link MeshCronJob} or a {@link MeshJob}). Its pods are hardened as a MeshService's
 * (non-root, read-only root filesystem, no capabilities, seccomp RuntimeDefault, no ServiceAccount token) and run as a
 * ServiceAccount of their own, whose principal each callee admits (`calls`); istio-proxy is a native sidecar
 * (`sidecar.istio.io/nativeSidecar: "true"`), so the pod completes once the job's container exits (Kubernetes 1.29 or
 * later: MESH539 on a platform that states an older one); its NetworkPolicy lets it out to DNS, istiod and its callees only,
 * its Sidecar to its callees' hosts only. Each call is an intended flow from the job's pods, proved at synth (MESH600 when
 * a callee's policies refuse it).
 */
export abstract class MeshBatchWorkload extends Construct {
  /** Whether `x` is a MeshBatchWorkload (a MeshCronJob or a MeshJob): a brand check, true across two copies of the library too. */
  public static isMeshBatchWorkload(x: unknown): x is MeshBatchWorkload {
    return hasBrand(x, MESH_BATCH_WORKLOAD_BRAND);
  }

  /** The job's name: its object's, ServiceAccount's and pods' `app` label. */
  public readonly name: string;
  /** Its chart's namespace. */
  public readonly namespace: string;
  /** The chart the job belongs to. */
  public readonly chart: IMeshChart;
  /** The principal its pods' requests carry. */
  public readonly principal: Principal;
  /** The labels of its pods. */
  public readonly podLabels: Readonly<Record<string, string>>;
  /** The labels that select its pods (`app: <name>`). */
  public readonly selectorLabels: Readonly<Record<string, string>>;
  /** How long a run may take, if limited. */
  public readonly activeDeadline?: Duration;
  /** How many times a run's pod is retried before the run fails. */
  public readonly backoffLimit: number;
  private readonly _calls: JobCall[] = [];
  private readonly _remoteCalls: JobRemoteCall[] = [];
  private readonly _externalCalls: JobExternalCall[] = [];
  private readonly meta: { name: string; namespace: string; labels: Record<string, string> };
  /** The init container that makes each call it declares, and the field that declares it (`initContainers[0].calls[1]`). */
  private readonly initCallOf = new Map<object, DeclaredInitCall>();
  /** The call of Vault its Vault agent makes, if it has one (`vault`). */
  private vaultCall?: object;
  /** Its NetworkPolicy (child `NetworkPolicy`). */
  private readonly networkPolicy: IConstruct;

  protected constructor(scope: Construct, id: string, props: MeshBatchProps) {
    super(scope, id);
    setBrand(this, MESH_BATCH_WORKLOAD_BRAND);
    this.chart = meshChartOf(this);
    this.name = props.name ?? id;
    this.namespace = this.chart.namespace;
    this.activeDeadline = props.activeDeadline;
    this.backoffLimit = props.backoffLimit ?? 6;
    const nameProblem = dns1123LabelProblem(this.name);
    this.principal = nameProblem
      ? Principal.serviceAccount('invalid', 'invalid', this.chart.trustDomain)
      : Principal.serviceAccount(this.namespace, this.name, this.chart.trustDomain);
    // Policies of the app may name it (a DENY rule for the job), as they name a service's.
    if (!nameProblem) this.chart._registerWorkloadPrincipal(this.principal.toString());
    const common = { ...this.chart.commonLabels(), [Labels.NAME]: this.name };
    this.selectorLabels = { [Labels.APP]: this.name };
    this.podLabels = { [Labels.APP]: this.name, ...common };
    this.meta = { name: this.name, namespace: this.namespace, labels: { ...common } };
    const initCalls = declaredInitCalls(props.initContainers);
    const vaultCalls = props.vault ? [vaultInitCall(props.vault)] : [];
    addProblems(this, () => [
      ...(nameProblem ? [formatProblem(Codes.INVALID_NAME, `name: ${nameProblem}`)] : []),
      ...this.settingsProblems(),
      ...this.callProblems(),
      ...this.nameProblems(),
      // The job's pods always carry the native-sidecar annotation: a platform that states an older Kubernetes fails synth
      // (MESH539), and an init container's calls need the platform to say its cluster runs them (MESH242).
      ...batchNativeSidecarProblems(this.chart.platform),
      ...initCallProblems([...initCalls, ...vaultCalls], true, props.podAnnotations, this.chart.platform),
      ...vaultAnnotationProblems(props.vault, props.podAnnotations),
    ]);
    const peers = () => callingWorkloadPeers(this.securityView(), MeshSecurity.of(this.chart));
    this.networkPolicy = addNetworkPolicy(this, 'NetworkPolicy', this.meta, () => renderServiceNetworkPolicy(peers()));
    // Its problems are about its CronJob or Job (when its settings let one be written), unless one names another object
    // (MESH241 its NetworkPolicy).
    setPrimaryObject(this, () => this.node.tryFindChild('CronJob') ?? this.node.tryFindChild('Job'));
    addPeersSidecar(this, 'Sidecar', this.meta, peers);
    this.chart.addIntendedFlows(() => this.flows());
    // An init container's declared call is a call of the job's pods, through their native sidecar (init-container-calls.ts).
    for (const d of initCalls) {
      const { target, port, methods, paths } = d.call;
      const made = this.declare(target as MeshService | IRemoteService | IExternalService, { port, methods, paths });
      this.initCallOf.set(made, d);
    }
    // Vault's agent init container calls Vault from the job's pods, through their native sidecar (vault-agent.ts).
    if (props.vault) this.vaultCall = this.declare(props.vault.server, { port: props.vault.port });
  }

  /** The calls to services of the app declared, in order. */
  public get jobCalls(): readonly JobCall[] {
    return [...this._calls];
  }

  /** The calls to other teams' services declared, in order. */
  public get remoteCalls(): readonly JobRemoteCall[] {
    return [...this._remoteCalls];
  }

  /** The calls to external services declared, in order. */
  public get externalCalls(): readonly JobExternalCall[] {
    return [...this._externalCalls];
  }

  /**
   * Declares that the job calls `service` (a MeshService of this app): the service admits the job's principal on
   * `methods`, `paths` and `port` (an ALLOW rule, a NetworkPolicy ingress peer), the job's NetworkPolicy and Sidecar let it
   * out to the service, and each method and path is an intended flow from the job's pods, proved at synth.
   */
  public calls(service: MeshService, options?: JobCallOptions): void;
  /**
   * Declares that the job calls another team's service, as a MeshService calls one: the job's Sidecar imports
   * `<namespace>/<host>`, its NetworkPolicy lets it out to the service's namespace and pod labels on the ports called,
   * and the call is recorded in the chart's remote-calls record, for the check over both teams' folders (the other
   * team admits the job with `RemoteCaller.workload({ name, namespace, serviceAccount: name })`).
   */
  public calls(service: IRemoteService, options?: JobCallOptions): void;
  /**
   * Declares that the job calls an external service on one of its ports, as a MeshService calls one: its hosts join the
   * job's Sidecar egress hosts, its NetworkPolicy lets the port out (to the service's `addresses`; MESH241 without them),
   * and the call is an intended flow from the job's pods, proved at synth.
   */
  public calls(service: IExternalService, options: ExternalCallOptions): void;
  public calls(service: MeshService | IRemoteService | IExternalService, options: JobCallOptions | ExternalCallOptions = {}): void {
    this.declare(service, options);
  }

  /** Records a call and returns it (one of the job's lists' entries). */
  private declare(service: MeshService | IRemoteService | IExternalService, options: JobCallOptions | ExternalCallOptions): object {
    const copied: JobCallOptions = { ...options, methods: options.methods && [...options.methods], paths: options.paths && [...options.paths] };
    if (isExternalService(service)) {
      const call: JobExternalCall = { target: service, options: { ...copied, port: (options as ExternalCallOptions).port } };
      this._externalCalls.push(call);
      service._originateFor?.({ name: this.name, namespace: this.namespace, podLabels: this.selectorLabels });
      return call;
    }
    if (isRemoteService(service)) {
      const call: JobRemoteCall = { target: service, options: copied };
      this._remoteCalls.push(call);
      recordRemoteCalls(Chart.of(this), () => this._remoteCalls.map((c) => ({ source: this, target: c.target, ...c.options })));
      return call;
    }
    const target = service as MeshService;
    const call: JobCall = { target, options: copied };
    this._calls.push(call);
    const caller = RemoteCaller.workload({
      name: this.name, namespace: this.namespace, serviceAccount: this.name, podLabels: { ...this.selectorLabels },
    });
    ServiceSecurity.of(target)._admit(caller, copied, true);
    return call;
  }

  /** The settings of the job object the controllers cannot honour (MESH270), worked out when it is built. */
  protected abstract settingsProblems(): string[];

  /**
   * The ServiceAccount and what every batch pod of the library has: the job's labels, the native-sidecar annotation,
   * hardening, resources. @internal
   */
  protected _podSpec(props: MeshBatchProps): BatchPodSpec {
    const {
      image, name: _name, activeDeadline, backoffLimit: _backoff, resources, vault, ...rest
    } = props as MeshBatchProps & Record<string, unknown>;
    // An init container's calls are the job's (its constructor declared them); the pods already carry the native-sidecar annotation.
    const pod = podWithVault(podWithInitCalls(podOptionsOf(rest), false), vault, false, true);
    const sa = addServiceAccount(this, 'ServiceAccount', this.name, this.namespace, { ...this.meta.labels }, pod.serviceAccountAnnotations);
    return {
      name: this.name, namespace: this.namespace, labels: { ...this.podLabels }, image, serviceAccount: sa,
      resources: withResourceDefaults(resources), pod,
      // Istio's injection template makes istio-proxy a native sidecar (an init container with restartPolicy Always),
      // which the kubelet stops once the job's container has exited: the pod completes (Kubernetes 1.29 or later).
      // https://istio.io/latest/blog/2023/native-sidecars/
      podAnnotations: { 'sidecar.istio.io/nativeSidecar': 'true' },
      activeDeadline, backoffLimit: this.backoffLimit,
      ...(vault ? { automountServiceAccountToken: true } : {}),
    };
  }

  /** Problems of the settings every batch job has (MESH270). */
  protected batchProblems(): string[] {
    const out: string[] = [];
    const bad = (field: string, m: string) => out.push(formatProblem(Codes.INVALID_BATCH_JOB, `${field}: ${m}`));
    // The API takes whole seconds (cdk8s's Duration.toSeconds throws on a fraction at render).
    const ms = this.activeDeadline?.toMilliseconds();
    if (ms !== undefined && ms < 1000) bad('activeDeadline', 'under one second: every run would be stopped as it starts');
    else if (ms !== undefined && ms % 1000 !== 0) bad('activeDeadline', `${ms} ms is not a whole number of seconds`);
    if (!Number.isInteger(this.backoffLimit) || this.backoffLimit < 0) bad('backoffLimit', `${this.backoffLimit} is not a whole number of retries`);
    return out;
  }

  private securityView(): CallingWorkload {
    return {
      name: this.name, namespace: this.namespace, selectorLabels: this.selectorLabels, ports: [], chart: this.chart,
      calls: [...this._calls, ...this._remoteCalls].map((c) => ({ target: c.target, port: c.options.port })),
      externalCalls: this.externalCallShapes(),
    };
  }

  /** The calls to external services, as a service's are read (call-problems.ts, service-security.render.ts, intended-flows.ts). */
  private externalCallShapes(): ExternalCallShape[] {
    return this._externalCalls.map((c) => {
      const init = this.initCallOf.get(c);
      return { target: c.target, ...c.options, ...(init ? { initContainer: init.container } : {}) };
    });
  }

  /**
   * Each call's flows from the job's pods: every method and path (made concrete) on an HTTP port, one connection on a TCP
   * one; and Prometheus's scrapes of its sidecar (15090, 15020) when it may scrape, as of a service's pods.
   */
  private flows(): IntendedFlow[] {
    const out: IntendedFlow[] = [];
    const source = { workload: this.name, namespace: this.namespace };
    const tracing = this.chart.tracing;
    if (tracing) {
      // Its sidecar sends spans to the collector, as a service's does (the NetworkPolicy and Sidecar let them out).
      out.push({
        source, host: tracing.service, port: tracing.port, target: this.chart.platform.tracingWorkload(), method: 'POST', path: tracing.spanPath,
        expect: 'allow', constructPath: this.node.path, description: `${this.name} sends spans to ${tracing.service}:${tracing.port}`,
      });
    }
    if (MeshSecurity.of(this.chart).allowMetricsScraping) {
      const prometheus = this.chart.platform.prometheusWorkload();
      for (const port of [ENVOY_PROMETHEUS_PORT, MERGED_METRICS_PORT]) {
        out.push({
          // The PodMonitor's targets are the pods themselves: no Service is involved (the host only names the flow).
          source: { platform: prometheus }, host: `${this.name}.${this.namespace}.svc.cluster.local`, pods: source,
          port, method: 'GET', path: '/stats/prometheus', expect: 'allow', constructPath: this.node.path,
          description: `Prometheus scrapes ${this.name} on ${port}`,
        });
      }
    }
    for (const call of this._calls) {
      const { target, options } = call;
      const wanted = options.port ?? httpPort(target);
      const port = target.ports.find((p) => p.port === wanted);
      if (!port) continue; // reported by the callee (MESH605)
      const host = target.namespace === this.namespace ? target.name : `${target.name}.${target.namespace}.svc.cluster.local`;
      const reaches = { namespace: target.namespace, service: target.name };
      // An init container's call leaves from the same pods, through their native sidecar.
      const initContainer = this.initCallOf.get(call)?.container;
      const caller = callerName(this.name, initContainer);
      const base = {
        source, ...(initContainer !== undefined ? { initContainer } : {}), host, port: port.port, expect: 'allow' as const, reaches,
        constructPath: this.node.path,
      };
      if (!HTTP_PROTOCOLS.includes(port.protocol)) {
        const l4 = port.protocol === 'udp' ? 'UDP' : 'TCP';
        out.push({ ...base, protocol: l4, description: `${caller} calls ${target.name} on ${port.port}/${l4}` });
        continue;
      }
      const grpc = GRPC_PROTOCOLS.includes(port.protocol);
      const paths = (grpc ? [...(options.paths ?? ['/'])] : withCollectionPaths(options.paths ?? ['/'])).map(concretePath);
      const methods: HttpMethod[] = grpc && !options.methods ? ['POST'] : flowMethods(options.methods);
      for (const method of methods) {
        for (const path of paths) out.push({ ...base, method, path, description: `${caller} calls ${target.name} ${method} ${path}` });
      }
    }
    // A call to an external service is a service's (a call to another team's is recorded and checked from the record).
    for (const c of this.externalCallShapes()) out.push(...externalCallFlows(this, c));
    return out;
  }

  /**
   * A service or another job of the app with the job's principal (MESH271): named alike in one namespace, they would share
   * the ServiceAccount, and the service's Service, which selects `app: <name>`, would send requests to the job's pods.
   */
  private nameProblems(): string[] {
    const charts = this.node.root.node.findAll().filter((c): c is IMeshChart & Construct => isMeshChart(c));
    const mine = this.principal.toString();
    const service = charts.flatMap((c) => c.services).find((x) => x.principal.toString() === mine);
    if (service) {
      return [formatProblem(Codes.BATCH_JOB_NAME_TAKEN, `name: '${this.name}' is the name of the service ${service.node.path} of namespace `
        + `${this.namespace}: they would share its ServiceAccount and its Service would select the job's pods; name the job otherwise`)];
    }
    const twice = charts.flatMap((c) => c._workloadPrincipals).filter((p) => p === mine).length > 1;
    if (!twice) return [];
    const message = `name: another job of namespace ${this.namespace} is named '${this.name}'; name each job otherwise`;
    return [formatProblem(Codes.BATCH_JOB_NAME_TAKEN, message)];
  }

  /**
   * A call to a service outside the app (MESH019): its chart's manifests are not checked with this one's; and the problems of its
   * calls to other teams' services (a port the service lacks, HTTP fields on a TCP port: MESH042) and to external services (MESH037,
   * MESH038, MESH042, MESH241), as a service's.
   */
  private callProblems(): (string | Problem)[] {
    const remote = this._remoteCalls.map((c) => ({ target: c.target, ...c.options }));
    // A call an init container declares is named by its field (initContainers[i].calls[j]), the others by their index among calls().
    const field = (c: object) => this.initCallOf.get(c)?.field ?? (c === this.vaultCall ? 'vault' : undefined);
    return [
      ...this._calls.filter((c) => c.target.node.root !== this.node.root)
        .map((c) => formatProblem(Codes.UNKNOWN_SERVICE,
          `${field(c) ? `${field(c)}: ` : ''}calls ${c.target.node.path}, which is not a service of this app`)),
      ...renameCallFields(callPortProblems(remote, () => undefined), 'calls', this._remoteCalls.map(field))
        .map((p) => p.replace(/^calls\[(\d+)\]/, 'remoteCalls[$1]')),
      ...callProblems(this, [], this.externalCallShapes(), () => undefined, undefined, this.networkPolicy)
        .map((p) => (typeof p === 'string' ? renameCallFields([p], 'externalCalls', this._externalCalls.map(field))[0] : p)),
    ];
  }
}

/** The pod options among a batch job's props (what remains once its own settings are taken out). */
function podOptionsOf(rest: Record<string, unknown>): PodOptions {
  const {
    schedule: _s, timeZone: _t, concurrencyPolicy: _c, startingDeadline: _d, successfulJobsRetained: _r, failedJobsRetained: _f,
    suspend: _u, ttlAfterFinished: _l, ...pod
  } = rest;
  return pod as PodOptions;
}

/**
 * A CronJob of the mesh: a nightly compaction, a settlement run that calls a ledger API (see {@link MeshBatchWorkload}).
 * Its schedule is typed, and a run survives a late controller (`startingDeadline`, one hour by default).
 *
 * @example
 * const settle = new MeshCronJob(chart, 'settlement', {
 *   image: 'registry.example.com/settle:1.0', schedule: Cron.schedule({ minute: '0', hour: '1' }),
 * });
 * settle.calls(ledger, { methods: ['POST'], paths: ['/api/settlements'] });
 */
export class MeshCronJob extends MeshBatchWorkload {
  /** When it runs. */
  public readonly schedule: Cron;
  /** Its time zone, if given. */
  public readonly timeZone?: string;
  /** What the controller does when a run is due while the last one still runs. */
  public readonly concurrencyPolicy: 'Allow' | 'Forbid' | 'Replace';
  /** How late a run may still start. */
  public readonly startingDeadline: Duration;
  /** Finished successful runs kept. */
  public readonly successfulJobsRetained: number;
  /** Finished failed runs kept. */
  public readonly failedJobsRetained: number;
  private readonly job?: MeshCronJobObject;

  public constructor(scope: Construct, id: string, props: MeshCronJobProps) {
    super(scope, id, props);
    this.schedule = props.schedule;
    this.timeZone = props.timeZone;
    this.concurrencyPolicy = props.concurrencyPolicy ?? 'Forbid';
    this.startingDeadline = props.startingDeadline ?? Duration.hours(1);
    this.successfulJobsRetained = props.successfulJobsRetained ?? 3;
    this.failedJobsRetained = props.failedJobsRetained ?? 1;
    const spec = this._podSpec(props);
    // cdk8s-plus-27 throws a plain Error for settings it refuses; they are reported instead (MESH270).
    if (this.settingsProblems().length === 0) {
      this.job = addCronJob(this, 'CronJob', {
        ...spec, schedule: this.schedule, timeZone: this.timeZone, concurrencyPolicy: this.concurrencyPolicy,
        startingDeadline: this.startingDeadline, successfulJobsRetained: this.successfulJobsRetained,
        failedJobsRetained: this.failedJobsRetained, suspend: props.suspend ?? false,
      });
    }
  }

  /** The CronJob, for the rare escape hatch; undefined when its settings are refused (MESH270). */
  public get cronJob(): MeshCronJobObject | undefined {
    return this.job;
  }

  /** Settings the CronJob controller cannot honour (MESH270). */
  protected settingsProblems(): string[] {
    const out = this.batchProblems();
    const bad = (field: string, m: string) => out.push(formatProblem(Codes.INVALID_BATCH_JOB, `${field}: ${m}`));
    // The CronJob controller's resync: a shorter deadline may pass before it looks (cdk8s-plus-27 refuses it too).
    const deadline = this.startingDeadline.toMilliseconds();
    if (deadline < 10_000) {
      bad('startingDeadline', `${deadline / 1000}s is under 10 seconds: the CronJob controller may look later and skip every run`);
    } else if (deadline % 1000 !== 0) {
      bad('startingDeadline', `${deadline} ms is not a whole number of seconds`);
    }
    for (const [field, n] of [['successfulJobsRetained', this.successfulJobsRetained], ['failedJobsRetained', this.failedJobsRetained]] as const) {
      if (!Number.isInteger(n) || n < 0) bad(field, `${n} is not a whole number of runs`);
    }
    const tz = this.timeZone;
    if (tz !== undefined && (!/^[A-Za-z]+(?:[/_+-][A-Za-z0-9_+-]+)*$/.test(tz) || tz.startsWith('TZ'))) {
      bad('timeZone', `'${tz}' is not an IANA time zone name (Etc/UTC, Europe/Paris)`);
    }
    return out;
  }
}

/**
 * A Job of the mesh that runs once: a schema migration that calls a service of the app (see {@link MeshBatchWorkload}).
 * Kubernetes keeps a Job's pod template immutable: a changed Job is applied only once the old one is deleted
 * (`ttlAfterFinished`, or by the deployment tool).
 *
 * @example
 * const migrate = new MeshJob(chart, 'migrate-orders', { image: 'registry.example.com/migrate:2.0', activeDeadline: Duration.minutes(30) });
 * migrate.calls(orders, { methods: ['POST'], paths: ['/admin/migrations'] });
 */
export class MeshJob extends MeshBatchWorkload {
  /** How long the finished Job is kept, if limited. */
  public readonly ttlAfterFinished?: Duration;
  private readonly object?: MeshJobObject;

  public constructor(scope: Construct, id: string, props: MeshJobProps) {
    super(scope, id, props);
    this.ttlAfterFinished = props.ttlAfterFinished;
    const spec = this._podSpec(props);
    if (this.settingsProblems().length === 0) this.object = addJob(this, 'Job', { ...spec, ttlAfterFinished: this.ttlAfterFinished });
  }

  /** The Job, for the rare escape hatch; undefined when its settings are refused (MESH270). */
  public get job(): MeshJobObject | undefined {
    return this.object;
  }

  /** Settings the Job controller cannot honour (MESH270). */
  protected settingsProblems(): string[] {
    const out = this.batchProblems();
    const ttl = this.ttlAfterFinished?.toMilliseconds();
    if (ttl !== undefined && ttl % 1000 !== 0) {
      out.push(formatProblem(Codes.INVALID_BATCH_JOB, `ttlAfterFinished: ${ttl} ms is not a whole number of seconds`));
    }
    return out;
  }
}
