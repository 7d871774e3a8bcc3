import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';
import { MetricTemplate, MetricTemplateSpec, MetricTemplateSpecProviderType } from '../../../imports/flagger.app';
import { lazyWithoutUnset } from '../../private/defined';

/**
 * The Flagger MetricTemplate of a `FlaggerMetricTemplate`.
 */

/**
 * A `FlaggerMetricTemplate` as its MetricTemplate reads it: the construct passes itself (this module
 * does not import it, so that no import goes in a circle).
 */
export interface FlaggerMetricTemplateSource {
  /** The Prometheus server Flagger queries. */
  readonly address: string;
  /** The PromQL query. */
  readonly query: string;
}

/**
 * The spec of a Flagger MetricTemplate with a Prometheus provider.
 * @see https://docs.flagger.app/usage/metrics#prometheus
 */
export function renderMetricTemplateSpec(s: FlaggerMetricTemplateSource): MetricTemplateSpec {
  return { provider: { type: MetricTemplateSpecProviderType.PROMETHEUS, address: s.address }, query: s.query };
}

/** A Flagger MetricTemplate under `scope`. */
export function addMetricTemplate(scope: Construct, id: string, metadata: ApiObjectMetadata, template: FlaggerMetricTemplateSource): ApiObject {
  return new MetricTemplate(scope, id, { metadata, spec: lazyWithoutUnset(() => renderMetricTemplateSpec(template)) });
}
