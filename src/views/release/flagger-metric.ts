import { Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { MetricTemplate, MetricTemplateSpecProviderType } from '../../../imports/flagger.app';
import { Codes } from '../../core/codes';
import { MeshError } from '../../core/errors';
import { Percentage } from '../../core/weight';
import { MeshChart } from '../../graph/mesh-chart';

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
 * A Flagger MetricTemplate (flagger.app/v1beta1): a custom Prometheus query a
 * {@link FlaggerCanary} analysis checks at each interval.
 */
export class FlaggerMetricTemplate extends Construct {
  /** The template's name. */
  public readonly name: string;
  /** Its namespace, the chart's. */
  public readonly namespace: string;

  public constructor(scope: Construct, id: string, props: FlaggerMetricTemplateProps) {
    super(scope, id);
    this.name = props.name ?? id;
    this.namespace = MeshChart.of(this).namespace;
    new MetricTemplate(this, 'Resource', {
      metadata: { name: this.name, namespace: this.namespace, labels: MeshChart.of(this).commonLabels() },
      spec: Lazy.any({ produce: () => ({
        provider: { type: MetricTemplateSpecProviderType.PROMETHEUS, address: props.address ?? MeshChart.of(this).platform.flagger.prometheusAddress },
        query: props.query,
      }) }),
    });
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

/**
 * One metric a Flagger analysis checks: Flagger's built-in `request-success-rate`
 * and `request-duration`, or a custom {@link FlaggerMetricTemplate}.
 *
 * @see https://docs.flagger.app/usage/metrics
 */
export class FlaggerMetric {
  /** Built-in: the share of non-5xx responses must be at least `min` (99 means error rate < 1%). */
  public static requestSuccessRate(min: Percentage, interval?: Duration): FlaggerMetric {
    return new FlaggerMetric('request-success-rate', { min: min.value }, interval);
  }

  /** Built-in: the P99 request duration must be at most `max`. */
  public static requestDuration(max: Duration, interval?: Duration): FlaggerMetric {
    const ms = max.toMilliseconds({ integral: false });
    if (!(ms >= 1) || !Number.isInteger(ms)) throw new MeshError(Codes.FLAGGER_INVALID_ANALYSIS, `request-duration max must be whole milliseconds, at least 1ms, got ${ms}ms`);
    return new FlaggerMetric('request-duration', { max: ms }, interval);
  }

  /** A custom metric from a template; at least one of `min` and `max` is needed. */
  public static custom(template: FlaggerMetricTemplate, options: FlaggerCustomMetricOptions): FlaggerMetric {
    if (options.min === undefined && options.max === undefined) {
      throw new MeshError(Codes.FLAGGER_INVALID_ANALYSIS, `custom metric ${template.name} needs a min or a max`);
    }
    if (options.min !== undefined && options.max !== undefined && options.min > options.max) {
      throw new MeshError(Codes.FLAGGER_INVALID_ANALYSIS, `custom metric ${template.name}: min ${options.min} is above max ${options.max}`);
    }
    return new FlaggerMetric(options.name ?? template.name, { min: options.min, max: options.max }, options.interval, template);
  }

  private constructor(
    /** The metric's name in the analysis. */
    public readonly name: string,
    /** The range its value must stay in. */
    public readonly thresholdRange: { readonly min?: number; readonly max?: number },
    /** The query's range, if not the analysis interval. */
    public readonly interval?: Duration,
    /** The custom template, if any. */
    public readonly template?: FlaggerMetricTemplate,
  ) {}
}
