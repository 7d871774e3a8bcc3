import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { Codes } from '../../core/codes';
import { MeshError } from '../../core/errors';
import { dns1123LabelProblem, isDns1123Subdomain } from '../../core/names';
import { Percentage } from '../../core/weight';
import { MeshChart } from '../../graph/mesh-chart';
import { toGoDuration } from '../../private/go-duration';
import { addMetricTemplate } from './flagger-metric.render';
import { nonFailureMatcher, successMatcher } from '../../private/promql';

/** Props for {@link FlaggerMetricTemplate}. */
export interface FlaggerMetricTemplateProps {
  /** The PromQL query; Flagger fills `{{ namespace }}`, `{{ target }}`, `{{ interval }}`. */
  readonly query: string;
  /**
   * The template's name.
   * @default - the construct's id
   */
  readonly name?: string;
  /**
   * The Prometheus server Flagger queries.
   * @default - the platform's `flagger.prometheusAddress` (its Prometheus, `http://prometheus-operated.observability.svc.cluster.local:9090` on a stock install)
   * @see https://docs.flagger.app/usage/metrics#prometheus
   */
  readonly address?: string;
}

/**
 * A Flagger MetricTemplate an analysis refers to ({@link FlaggerMetric.custom}): a
 * {@link FlaggerMetricTemplate} of this app, or one installed elsewhere, by its name and namespace
 * (Flagger reads a `templateRef` of any namespace).
 * @see https://docs.flagger.app/usage/metrics#custom-metrics
 */
export interface IFlaggerMetricTemplate {
  /** The template's name. */
  readonly name: string;
  /** Its namespace. */
  readonly namespace: string;
}

/**
 * A Flagger MetricTemplate (flagger.app/v1beta1): a custom Prometheus query a
 * {@link FlaggerCanary} analysis checks at each interval. Its default child (`Resource`)
 * is the MetricTemplate.
 */
export class FlaggerMetricTemplate extends Construct implements IFlaggerMetricTemplate {
  /**
   * The success rate of a gRPC service, in percent, for `FlaggerMetric.custom(template, { min: 99 })`: Flagger's built-in
   * `request-success-rate` with the same selector (the target's workload, as its own sidecar reports it), but counting as a
   * success an HTTP 200 whose gRPC status is no server fault, the matcher the SLO rules of a gRPC service use. A failed gRPC
   * call is an HTTP 200 with a grpc-status, which the built-in query (non-5xx responses) counts as a success (MESH313).
   * @see https://github.com/fluxcd/flagger/blob/main/pkg/metrics/observers/istio.go (the built-in request-success-rate)
   * @see https://grpc.github.io/grpc/core/md_doc_statuscodes.html
   */
  public static grpcRequestSuccessRate(scope: Construct, id: string, props: Omit<FlaggerMetricTemplateProps, 'query'> = {}): FlaggerMetricTemplate {
    const target = 'reporter="destination",destination_workload_namespace="{{ namespace }}",destination_workload=~"{{ target }}"';
    const rate = (extra: string) => `sum(rate(istio_requests_total{${target}${extra}}[{{ interval }}]))`;
    return new FlaggerMetricTemplate(scope, id, { ...props, query: `${rate(successMatcher('grpc'))} / ${rate('')} * 100` });
  }

  /**
   * The success rate of a service of HTTP and gRPC ports (a model server's REST and gRPC ports), in percent, for
   * `FlaggerMetric.custom(template, { min: 99 })`: the built-in `request-success-rate`'s selector, counting as a success a
   * response that is neither a 5xx nor of a server fault's grpc-status, as the SLO rules of such a service count its failures. The
   * built-in query passes every failed gRPC call (an HTTP 200), and {@link grpcRequestSuccessRate} fails every HTTP answer but 200
   * (MESH313 on a gRPC port beside the Canary's, which `portDiscovery` routes).
   * @see https://github.com/fluxcd/flagger/blob/main/pkg/metrics/observers/istio.go (the built-in request-success-rate)
   */
  public static httpAndGrpcRequestSuccessRate(
    scope: Construct, id: string, props: Omit<FlaggerMetricTemplateProps, 'query'> = {},
  ): FlaggerMetricTemplate {
    const target = 'reporter="destination",destination_workload_namespace="{{ namespace }}",destination_workload=~"{{ target }}"';
    const rate = (extra: string) => `sum(rate(istio_requests_total{${target}${extra}}[{{ interval }}]))`;
    return new FlaggerMetricTemplate(scope, id, { ...props, query: `${rate(nonFailureMatcher('http-and-grpc'))} / ${rate('')} * 100` });
  }

  /** The template's name. */
  public readonly name: string;
  /** Its namespace, the chart's. */
  public readonly namespace: string;
  /** The PromQL query. */
  public readonly query: string;
  /** The Prometheus server Flagger queries. */
  public readonly address: string;

  public constructor(scope: Construct, id: string, props: FlaggerMetricTemplateProps) {
    super(scope, id);
    const chart = MeshChart.of(this);
    this.name = props.name ?? id;
    this.namespace = chart.namespace;
    this.query = props.query;
    this.address = props.address ?? chart.platform.flagger.prometheusAddress;
    addMetricTemplate(this, 'Resource', { name: this.name, namespace: this.namespace, labels: chart.commonLabels() }, this);
  }
}

/** Options for {@link FlaggerMetric.custom}. */
export interface FlaggerCustomMetricOptions {
  /**
   * The metric's name in the analysis.
   * @default - the template's name
   */
  readonly name?: string;
  /**
   * The query result must be at least this.
   * @default - no lower bound
   */
  readonly min?: number;
  /**
   * The query result must be at most this.
   * @default - no upper bound
   */
  readonly max?: number;
  /**
   * The query's range.
   * @default - the analysis interval
   */
  readonly interval?: Duration;
}

/** The range a metric's value must stay in. */
export interface FlaggerThresholdRange {
  /**
   * The least value accepted.
   * @default - no lower bound
   */
  readonly min?: number;
  /**
   * The largest value accepted.
   * @default - no upper bound
   */
  readonly max?: number;
}

/**
 * One entry of a Flagger Canary's `analysis.metrics[]`, as a {@link FlaggerMetric} renders it.
 * @see https://docs.flagger.app/usage/metrics
 */
export interface FlaggerCanaryMetric {
  /** The metric's name: a built-in one (`request-success-rate`, `request-duration`) or the custom metric's. */
  readonly name: string;
  /**
   * The MetricTemplate a custom metric is queried through.
   * @default - none (a built-in metric)
   */
  readonly templateRef?: { readonly name: string; readonly namespace: string };
  /** The range the metric's value must stay in. */
  readonly thresholdRange: FlaggerThresholdRange;
  /**
   * The query's range, in Go's duration form (`1m`).
   * @default - none: a duration that is not whole milliseconds renders as nothing (MESH305)
   */
  readonly interval?: string;
}

/**
 * One metric a Flagger analysis checks: Flagger's built-in `request-success-rate`
 * and `request-duration`, or a custom {@link FlaggerMetricTemplate}. Each kind is a
 * private implementation that renders its own `analysis.metrics[]` entry.
 *
 * @see https://docs.flagger.app/usage/metrics
 */
export abstract class FlaggerMetric {
  /** Built-in: the share of non-5xx responses must be at least `min` (99 means error rate < 1%). */
  public static requestSuccessRate(min: Percentage, interval?: Duration): FlaggerMetric {
    return new BuiltinFlaggerMetric('request-success-rate', { min: min.value }, interval);
  }

  /** Built-in: the P99 request duration must be at most `max`. */
  public static requestDuration(max: Duration, interval?: Duration): FlaggerMetric {
    const ms = max.toMilliseconds({ integral: false });
    if (!(ms >= 1) || !Number.isInteger(ms))
      throw new MeshError(Codes.FLAGGER_INVALID_ANALYSIS, `request-duration max must be whole milliseconds, at least 1ms, got ${ms}ms`);
    return new BuiltinFlaggerMetric('request-duration', { max: ms }, interval);
  }

  /**
   * A custom metric from a template; at least one of `min` and `max` is needed. The template's name
   * must be a DNS-1123 subdomain and its namespace a DNS-1123 label, as Kubernetes names them.
   */
  public static custom(template: IFlaggerMetricTemplate, options: FlaggerCustomMetricOptions): FlaggerMetric {
    if (!isDns1123Subdomain(String(template.name))) {
      throw new MeshError(Codes.FLAGGER_INVALID_ANALYSIS, `custom metric: template name '${template.name}' is not a DNS-1123 subdomain`);
    }
    const namespaceProblem = dns1123LabelProblem(String(template.namespace));
    if (namespaceProblem) throw new MeshError(Codes.FLAGGER_INVALID_ANALYSIS, `custom metric ${template.name}: namespace ${namespaceProblem}`);
    if (options.min === undefined && options.max === undefined) {
      throw new MeshError(Codes.FLAGGER_INVALID_ANALYSIS, `custom metric ${template.name} needs a min or a max`);
    }
    if (options.min !== undefined && options.max !== undefined && options.min > options.max) {
      throw new MeshError(Codes.FLAGGER_INVALID_ANALYSIS, `custom metric ${template.name}: min ${options.min} is above max ${options.max}`);
    }
    return new CustomFlaggerMetric(options.name ?? template.name, { min: options.min, max: options.max }, template, options.interval);
  }

  protected constructor(
    /** The metric's name in the analysis. */
    public readonly name: string,
    /** The range its value must stay in. */
    public readonly thresholdRange: FlaggerThresholdRange,
    /**
     * The query's range.
     * @default - the analysis interval
     */
    public readonly interval?: Duration,
  ) {}

  /**
   * The Canary's `analysis.metrics[]` entry; `analysisInterval` is the query range when the metric names none.
   * A duration that is not whole milliseconds renders as nothing (the FlaggerCanary reports it, MESH305).
   * @see https://docs.flagger.app/usage/metrics
   */
  public abstract toAnalysis(analysisInterval: Duration): FlaggerCanaryMetric;

  /** The entry's `interval`, in Go's duration form. */
  protected renderInterval(analysisInterval: Duration): string | undefined {
    return toGoDuration(this.interval ?? analysisInterval);
  }
}

/** One of Flagger's built-in metrics, which need no template. */
class BuiltinFlaggerMetric extends FlaggerMetric {
  public constructor(name: string, thresholdRange: FlaggerThresholdRange, interval?: Duration) {
    super(name, thresholdRange, interval);
  }

  public toAnalysis(analysisInterval: Duration): FlaggerCanaryMetric {
    return { name: this.name, thresholdRange: { ...this.thresholdRange }, interval: this.renderInterval(analysisInterval) };
  }
}

/** A metric queried through a MetricTemplate, which the entry's `templateRef` names. */
class CustomFlaggerMetric extends FlaggerMetric {
  public constructor(name: string, thresholdRange: FlaggerThresholdRange, private readonly template: IFlaggerMetricTemplate, interval?: Duration) {
    super(name, thresholdRange, interval);
  }

  public toAnalysis(analysisInterval: Duration): FlaggerCanaryMetric {
    return {
      name: this.name,
      templateRef: { name: this.template.name, namespace: this.template.namespace },
      thresholdRange: { ...this.thresholdRange },
      interval: this.renderInterval(analysisInterval),
    };
  }
}
