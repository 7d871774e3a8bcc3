import { ApiObject, ApiObjectMetadata, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { MetricTemplate, MetricTemplateSpec, MetricTemplateSpecProviderType } from '../../../imports/flagger.app';

/**
 * The Flagger MetricTemplate of a `FlaggerMetricTemplate`.
 */

/** What a MetricTemplate is rendered from. */
export interface MetricTemplateState {
  /** The Prometheus server Flagger queries. */
  readonly address: string;
  /** The PromQL query. */
  readonly query: string;
}

/**
 * The spec of a Flagger MetricTemplate with a Prometheus provider.
 * @see https://docs.flagger.app/usage/metrics#prometheus
 */
export function renderMetricTemplateSpec(s: MetricTemplateState): MetricTemplateSpec {
  return { provider: { type: MetricTemplateSpecProviderType.PROMETHEUS, address: s.address }, query: s.query };
}

/** A Flagger MetricTemplate under `scope`. */
export function addMetricTemplate(scope: Construct, id: string, metadata: ApiObjectMetadata, state: MetricTemplateState): ApiObject {
  return new MetricTemplate(scope, id, { metadata, spec: Lazy.any({ produce: () => renderMetricTemplateSpec(state) }) });
}
