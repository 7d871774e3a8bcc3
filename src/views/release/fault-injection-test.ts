import { ApiObject, Cron, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { Cidr } from '../../core/cidr';
import { Codes } from '../../core/codes';
import { Labels } from '../../core/labels';
import { formatProblem } from '../../core/errors';
import { inCidr } from '../../validate/flow/cluster';
import type { IntendedFlow } from '../../validate/flow/flow';
import { MeshChart } from '../../graph/mesh-chart';
import { durationProblems, integerProblems } from '../../private/checks';
import { MeshService } from '../../graph/mesh-service';
import { renderFaultSwitchFiles } from '../../render/release';
import { AbortFault, DelayFault, FaultInjection } from '../traffic/host-traffic';
import { addScheduledKubectl } from '../workload/scheduled-kubectl';
import { MeshSecurity } from '../security/mesh-security';

/** Where the cluster's API server listens, as the fault job's NetworkPolicy sees it. */
export interface ApiServerEndpoints {
  /**
   * The addresses of the `kubernetes` Service's endpoints (`kubectl get endpoints kubernetes`):
   * a NetworkPolicy matches the destination after the Service's DNAT, so the Service's
   * ClusterIP would match nothing, and the API server runs outside the pod network, so no
   * pod selector can name it.
   * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/#what-you-can-t-do-with-network-policies-at-least-not-yet
   */
  readonly addresses: Cidr[];
  /**
   * The endpoints' ports.
   * @default [443, 6443] - the Service's port and kube-apiserver's usual secure port
   */
  readonly ports?: number[];
}

/** Props for {@link FaultInjectionTest}. */
export interface FaultInjectionTestProps {
  /** The services whose routes get the faults. */
  readonly services: MeshService[];
  /**
   * Delay some requests (seed 003: 500ms on 10%).
   * @default - no delay
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPFaultInjection-Delay
   */
  readonly delay?: DelayFault;
  /**
   * Abort some requests with an HTTP status (seed 003: 503 on 5%).
   * @default - no abort
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPFaultInjection-Abort
   */
  readonly abort?: AbortFault;
  /**
   * When the test runs. The faults are switched on in each host's one VirtualService,
   * held for `testDuration`, then switched off.
   * @default - every Monday 01:00 UTC (10:00 JST), seed 003
   */
  readonly schedule?: Cron;
  /**
   * How long the faults stay on in each run.
   * @default Duration.minutes(30)
   */
  readonly testDuration?: Duration;
  /**
   * Put the faults in the VirtualServices permanently (no CronJob), for a dedicated test environment.
   * @default false
   */
  readonly permanent?: boolean;
  /**
   * Name of the CronJob, its ServiceAccount and Role; the ConfigMap is `<name>-config`.
   * @default 'fault-injection-test'
   */
  readonly name?: string;
  /**
   * The kubectl image the CronJob runs.
   * @default 'bitnami/kubectl:1.30'
   */
  readonly image?: string;
  /**
   * The API server the scheduled job patches VirtualServices through: its NetworkPolicy
   * allows egress to these addresses only (and DNS), and synth proves the job reaches each
   * of them on each port (MESH600) and nothing else on them (MESH601). A catch-all range
   * would let the job reach anything on 443; synth fails (MESH663) with no address unless `permanent`.
   * @default - the platform's API server (`MeshPlatform.apiServer`: its endpoints, none by default, and ports)
   */
  readonly apiServer?: ApiServerEndpoints;
  /**
   * Allow fault injection in a production environment (`MeshChart.production`). Faults hurt real users:
   * this is a named opt-out that shows up in review.
   * @default false
   */
  readonly forceInProduction?: boolean;
}

/** Addresses to prove the job cannot reach: documentation ranges (RFC 5737) and a public resolver. */
const OUTSIDE_CANDIDATES = ['203.0.113.1', '198.51.100.1', '8.8.8.8'];

/** Time a run gets beyond its test duration to apply and restore the faults, before its deadline. */
const RESTORE_MARGIN_SECONDS = 300;

/**
 * Seed 003: every Monday at 10:00 JST, which is 01:00 UTC.
 * @internal
 */
export const WEEKLY_MONDAY_10_JST = Cron.schedule({ minute: '0', hour: '1', day: '*', month: '*', weekDay: '1' });

/**
 * Resilience tests by fault injection (seed 003): a delay and/or an abort on a share
 * of the requests to some services, only where the environment allows (production
 * fails synth unless forced).
 *
 * The library writes one VirtualService per host, so the scheduled test never adds a
 * second one: a ConfigMap holds, per host, the host's own VirtualService twice, as
 * rendered (`<host>.fault-off.yaml`) and with the faults added to every route
 * (`<host>.fault-on.yaml`). The CronJob applies the fault-on variants, waits, and
 * re-applies the fault-off ones: also on failure, eviction or deadline (traps on EXIT,
 * TERM and INT; the wait is interruptible). Each run has an `activeDeadlineSeconds` of the
 * test duration plus 5 minutes. Its ServiceAccount may only get and patch VirtualServices
 * in the namespace; its NetworkPolicy allows DNS and the API server's endpoints only.
 * Its children, by id, unless `permanent`: `CronJob`, `ConfigMap`, `ServiceAccount`, `Role`,
 * `RoleBinding` and `NetworkPolicy`.
 */
export class FaultInjectionTest extends Construct {
  /** The faults. */
  public readonly fault: FaultInjection;
  /** The CronJob's name. */
  public readonly name: string;
  /** The services whose routes get the faults. */
  public readonly services: readonly MeshService[];
  /** Whether the faults stay in the VirtualServices (no CronJob). */
  public readonly permanent: boolean;
  /** Whether fault injection is allowed in a production environment. */
  public readonly forceInProduction: boolean;
  /** How long the faults stay on in each scheduled run. */
  public readonly testDuration: Duration;
  /** When the scheduled test runs. */
  public readonly schedule: Cron;
  /** The kubectl image the CronJob runs. */
  public readonly image: string;

  private readonly chart: MeshChart;
  /** The API server's endpoints and ports: the props', else the platform's. */
  private readonly apiServer: { readonly addresses: readonly Cidr[]; readonly ports: readonly number[] };

  public constructor(scope: Construct, id: string, props: FaultInjectionTestProps) {
    super(scope, id);
    this.chart = MeshChart.of(this);
    this.fault = { delay: props.delay, abort: props.abort };
    this.name = props.name ?? 'fault-injection-test';
    this.services = [...props.services];
    this.permanent = props.permanent ?? false;
    this.forceInProduction = props.forceInProduction ?? false;
    this.testDuration = props.testDuration ?? Duration.minutes(30);
    this.schedule = props.schedule ?? WEEKLY_MONDAY_10_JST;
    this.image = props.image ?? 'bitnami/kubectl:1.30';
    const platformApi = this.chart.platform.apiServer;
    this.apiServer = { addresses: props.apiServer?.addresses ?? platformApi.endpoints, ports: props.apiServer?.ports ?? platformApi.ports };
    if (this.permanent) {
      for (const s of this.services) s.traffic.setFault(this, this.fault);
    } else {
      const seconds = this.testDuration.toSeconds();
      addScheduledKubectl(this, {
        name: this.name,
        configMapName: `${this.name}-config`,
        namespace: this.chart.namespace,
        labels: this.chart.commonLabels(),
        podLabels: { [Labels.APP]: this.name },
        schedule: this.schedule,
        image: this.image,
        script: this.script(seconds),
        files: () => this.files(),
        allow: { verbs: ['get', 'patch'], apiGroup: 'networking.istio.io', resourceType: 'virtualservices' },
        apiServer: { cidrs: this.apiServer.addresses.map(String), ports: [...this.apiServer.ports] },
        dns: MeshSecurity.of(this.chart).dnsEgress,
        // The run's sleep, plus time to apply the faults and restore them.
        activeDeadline: Duration.seconds(seconds + RESTORE_MARGIN_SECONDS),
      });
      this.chart.addIntendedFlows(() => this.apiServerFlows());
    }
    this.node.addValidation({ validate: () => this.problems() });
  }

  /**
   * The job's flows to the API server: to each endpoint on each port (kubectl in a pod
   * reaches `KUBERNETES_SERVICE_HOST`, the Service's DNAT picks one endpoint), and, on the
   * same ports, to an address outside every endpoint range, which must be refused.
   * @see https://kubernetes.io/docs/tasks/run-application/access-api-from-pod/#directly-accessing-the-rest-api
   */
  private apiServerFlows(): IntendedFlow[] {
    const platform = this.chart.platform;
    const host = platform.apiServer.host;
    const source = { workload: this.name, namespace: this.chart.namespace };
    const out: IntendedFlow[] = [];
    // A port outside 1-65535 is reported by problems(); no flow is built for it.
    const ports = this.apiServer.ports.filter((p) => Number.isInteger(p) && p >= 1 && p <= 65535);
    for (const cidr of this.apiServer.addresses) {
      const target = { ...platform.apiServerWorkload([cidr]), name: `kube-apiserver ${cidr}` };
      for (const port of ports) {
        out.push({
          source, host, port, protocol: 'TCP', target, expect: 'allow', constructPath: this.node.path,
          description: `${this.name} reaches the API server at ${cidr} on ${port}`,
        });
      }
    }
    const elsewhere = OUTSIDE_CANDIDATES.find((ip) => !this.apiServer.addresses.some((c) => inCidr(ip, String(c))));
    if (elsewhere && this.apiServer.addresses.length > 0) {
      const target = { ...platform.apiServerWorkload([]), name: `outside the API server ${elsewhere}`, addresses: [elsewhere] };
      for (const port of ports) {
        out.push({
          source, host, port, protocol: 'TCP', target, expect: 'deny', constructPath: this.node.path,
          description: `${this.name} reaches ${elsewhere} (not the API server) on ${port}`,
        });
      }
    }
    return out;
  }

  private hosts(): string[] {
    return this.services.map((s) => s.name).sort();
  }

  /**
   * The job's script. It runs as PID 1, which the kernel gives no default signal action:
   * without a handler SIGTERM is ignored, and the pod is SIGKILLed after its grace period
   * with the faults still on. So TERM and INT have traps, as has EXIT; the wait is
   * `sleep N & wait`, because a shell runs a trap only after the foreground command ends,
   * while `wait` returns as soon as a trapped signal arrives.
   * @see https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination
   * @see https://pubs.opengroup.org/onlinepubs/9699919799/utilities/V3_chap02.html#tag_18_11 (Signals and Error Handling)
   */
  private script(seconds: number): string {
    const files = (kind: string) => this.hosts().map((h) => `-f /config/${h}.${kind}.yaml`).join(' ');
    return [
      'set -eu',
      'pid=',
      '# Switch the faults off again however the run ends: normally, on failure, on SIGTERM (eviction, deadline) or SIGINT.',
      'restore() {',
      '  trap - EXIT TERM INT',
      '  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi',
      '  for attempt in 1 2 3; do',
      `    if kubectl apply ${files('fault-off')}; then return 0; fi`,
      '    sleep 2',
      '  done',
      '  echo "could not switch the faults off" >&2',
      '  return 1',
      '}',
      "trap 'restore' EXIT",
      "trap 'restore; exit 143' TERM",
      "trap 'restore; exit 130' INT",
      `kubectl apply ${files('fault-on')}`,
      `sleep ${seconds} &`,
      'pid=$!',
      'wait "$pid"',
      '',
    ].join('\n');
  }

  /** Each service's rendered VirtualService, by name, switched on and off. */
  private files(): Record<string, string> {
    const virtualServices = [...this.services].sort((a, b) => a.name.localeCompare(b.name)).flatMap((s) => {
      const vs = s.node.tryFindChild('VirtualService');
      return vs && ApiObject.isApiObject(vs) ? [{ host: s.name, manifest: vs.toJson() }] : [];
    });
    return renderFaultSwitchFiles(virtualServices, this.fault);
  }

  private problems(): string[] {
    const out: string[] = [];
    const bad = (field: string, what: string) => out.push(formatProblem(Codes.FAULT_OUT_OF_RANGE, `${field}: ${what}`));
    if (this.chart.production && !this.forceInProduction) {
      out.push(formatProblem(Codes.FAULT_IN_PRODUCTION,
        'environment: fault injection in production hurts real users; run it in staging, or set forceInProduction: true'));
    }
    if (!this.fault.delay && !this.fault.abort) bad('delay', 'a fault injection test needs a delay or an abort');
    const status = this.fault.abort?.httpStatus;
    if (status !== undefined && (!Number.isInteger(status) || status < 200 || status > 599)) {
      bad('abort.httpStatus', `must be an HTTP status from 200 to 599, got ${status}`);
    }
    for (const [field, p] of Object.entries({ 'delay.percentage': this.fault.delay?.percentage, 'abort.percentage': this.fault.abort?.percentage })) {
      if (p && p.value === 0) bad(field, 'is 0%: the fault would never be injected');
    }
    out.push(...durationProblems({ 'delay.fixedDelay': this.fault.delay?.fixedDelay }));
    if (this.services.length === 0) bad('services', 'name at least one service');
    if (!this.permanent && this.apiServer.addresses.length === 0) {
      out.push(formatProblem(Codes.JOB_API_SERVER_EGRESS,
        'apiServer.addresses: the scheduled job reaches the API server; name its endpoints (kubectl get endpoints kubernetes) so its NetworkPolicy allows them and nothing else'));
    }
    // An example range (RFC 5737, RFC 3849) is no cluster's API server: the job would never reach it.
    this.apiServer.addresses.forEach((c, i) => {
      const range = c.documentationRange;
      if (range) {
        out.push(formatProblem(Codes.JOB_API_SERVER_EGRESS,
          `apiServer.addresses[${i}]: ${c} is in the documentation range ${range}, a placeholder no network routes;`
          + ' give the endpoints of the cluster (kubectl get endpoints kubernetes -n default -o yaml, read with MeshPlatform.fromManifests)'));
      }
    });
    out.push(...integerProblems(Object.fromEntries(this.apiServer.ports.map((p, i) => [`apiServer.ports[${i}]`, p])), 1, 65535));
    const seconds = this.testDuration.toSeconds({ integral: false });
    if (seconds < 1 || !Number.isInteger(seconds)) {
      bad('testDuration', 'must be a whole number of seconds, at least 1s');
    }
    for (const s of this.services) {
      if (s.traffic.virtualServiceOwner) {
        out.push(formatProblem(Codes.FLAGGER_OWNS_VIRTUAL_SERVICE,
          `services: ${s.name}'s VirtualService is written by ${s.traffic.virtualServiceOwner}, so faults cannot be injected into it`));
      }
    }
    return out;
  }
}
