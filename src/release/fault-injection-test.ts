import { ApiObject, Cron, Duration, Yaml } from 'cdk8s';
import { Construct } from 'constructs';
import { Codes } from '../core/codes';
import { Labels } from '../core/labels';
import { toIstioDuration } from '../core/duration';
import { formatProblem } from '../core/errors';
import { MeshChart } from '../mesh/mesh-chart';
import { durationProblems } from '../private/checks';
import { MeshService } from '../service/mesh-service';
import { AbortFault, DelayFault, FaultInjection } from '../traffic/host-traffic';
import { addScheduledKubectl } from '../workload/scheduled-kubectl';

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
   * Allow fault injection in a production environment (`MeshChart.production`). Faults hurt real users:
   * this is a named opt-out that shows up in review.
   * @default false
   */
  readonly forceInProduction?: boolean;
}

/** Seed 003: every Monday at 10:00 JST, which is 01:00 UTC. */
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
 * re-applies the fault-off ones (also on failure, by a shell trap). Its ServiceAccount
 * may only get and patch VirtualServices in the namespace.
 */
export class FaultInjectionTest extends Construct {
  /** The faults. */
  public readonly fault: FaultInjection;
  /** The CronJob's name. */
  public readonly name: string;

  private readonly props: FaultInjectionTestProps;
  private readonly chart: MeshChart;

  public constructor(scope: Construct, id: string, props: FaultInjectionTestProps) {
    super(scope, id);
    this.props = props;
    this.chart = MeshChart.of(this);
    this.fault = { delay: props.delay, abort: props.abort };
    this.name = props.name ?? 'fault-injection-test';
    if (props.permanent) {
      for (const s of props.services) s.traffic.setFault(this, this.fault);
    } else {
      const seconds = (props.testDuration ?? Duration.minutes(30)).toSeconds();
      addScheduledKubectl(this, {
        name: this.name,
        configMapName: `${this.name}-config`,
        namespace: this.chart.namespace,
        labels: this.chart.commonLabels(),
        podLabels: { [Labels.APP]: this.name },
        schedule: props.schedule ?? WEEKLY_MONDAY_10_JST,
        image: props.image ?? 'bitnami/kubectl:1.30',
        script: this.script(seconds),
        files: () => this.files(),
        allow: { verbs: ['get', 'patch'], apiGroup: 'networking.istio.io', resourceType: 'virtualservices' },
      });
    }
    this.node.addValidation({ validate: () => this.problems() });
  }

  private hosts(): string[] {
    return this.props.services.map((s) => s.name).sort();
  }

  private script(seconds: number): string {
    const files = (kind: string) => this.hosts().map((h) => `-f /config/${h}.${kind}.yaml`).join(' ');
    return [
      'set -eu',
      '# Switch the faults off again however the run ends.',
      `trap 'kubectl apply ${files('fault-off')}' EXIT`,
      `kubectl apply ${files('fault-on')}`,
      `sleep ${seconds}`,
      '',
    ].join('\n');
  }

  private files(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const s of [...this.props.services].sort((a, b) => a.name.localeCompare(b.name))) {
      const vs = s.node.tryFindChild('VirtualService');
      if (!(vs instanceof ApiObject)) continue;
      const off = vs.toJson();
      const fault = {
        delay: this.fault.delay && { percentage: { value: this.fault.delay.percentage.value }, fixedDelay: toIstioDuration(this.fault.delay.fixedDelay) },
        abort: this.fault.abort && { percentage: { value: this.fault.abort.percentage.value }, httpStatus: this.fault.abort.httpStatus },
      };
      const on = { ...off, spec: { ...off.spec, http: (off.spec.http ?? []).map((h: any) => ({ ...h, fault: JSON.parse(JSON.stringify(fault)) })) } };
      out[`${s.name}.fault-off.yaml`] = Yaml.stringify(off);
      out[`${s.name}.fault-on.yaml`] = Yaml.stringify(on);
    }
    return out;
  }

  private problems(): string[] {
    const out: string[] = [];
    const bad = (field: string, what: string) => out.push(formatProblem(Codes.FAULT_OUT_OF_RANGE, `${field}: ${what}`));
    if (this.chart.production && !this.props.forceInProduction) {
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
    if (this.props.services.length === 0) bad('services', 'name at least one service');
    const d = this.props.testDuration;
    if (d && (d.toSeconds({ integral: false }) < 1 || !Number.isInteger(d.toSeconds({ integral: false })))) {
      bad('testDuration', 'must be a whole number of seconds, at least 1s');
    }
    for (const s of this.props.services) {
      if (s.traffic.virtualServiceOwner) {
        out.push(formatProblem(Codes.FLAGGER_OWNS_VIRTUAL_SERVICE,
          `services: ${s.name}'s VirtualService is written by ${s.traffic.virtualServiceOwner}, so faults cannot be injected into it`));
      }
    }
    return out;
  }
}
