import { ApiObject, ApiObjectMetadata, Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import {
  Canary, CanarySpecAnalysisAlertsSeverity, CanarySpecAnalysisWebhooksType, CanarySpecAutoscalerRefKind, CanarySpecTargetRefKind,
} from '../../../imports/flagger.app';
import { toIstioDuration } from '../../core/duration';
import { StringMatch } from '../../core/http';
import type { TierSettings } from '../../core/tier';
import { toGoDuration } from '../../private/go-duration';
import type { FlaggerAlert, FlaggerWebhook } from './flagger-hooks';
import type { HostTraffic } from '../../graph/traffic/host-traffic';
import { renderDestinationRuleSpec, renderRetries } from '../../graph/traffic/host-traffic.render';

/**
 * The Flagger Canary of a `FlaggerCanary`: target, service (with the host's traffic policy), analysis, built at synth.
 */

/**
 * Rendering of the release view: the Flagger Canary and MetricTemplate bodies, the
 * canary rollback rules and the fault-injection test's VirtualService variants, each a
 * pure function of the constructs' state, and the factories that make the generated
 * API objects (the only place the release constructs meet the types in imports/).
 */

/** A metric of a Flagger analysis, which renders its own `analysis.metrics[]` entry. */
export interface IFlaggerAnalysisMetric {
  /** The entry, with `analysisInterval` as the query range when the metric names none. */
  toAnalysis(analysisInterval: Duration): Record<string, any>;
}

/** What a Flagger Canary is rendered from. */
export interface FlaggerCanaryState {
  /** The Deployment released (and the Service's name). */
  readonly target: string;
  /** The Service's first port, if it has one. */
  readonly port?: { readonly port: number; readonly targetPort?: number };
  /** Gateways Flagger's VirtualService binds to. */
  readonly gateways: readonly string[];
  /** The host's trafficPolicy, timeout and retries (`flaggerServiceTraffic`). */
  readonly traffic: Record<string, any>;
  /** The service's HorizontalPodAutoscaler, if it has one. */
  readonly autoscaler?: { readonly apiVersion: string; readonly name: string };
  /** The analysis interval. */
  readonly interval: Duration;
  /** Failed checks before rollback. */
  readonly threshold: number;
  /** A/B testing: the number of runs; weighted mode when undefined. */
  readonly iterations?: number;
  /** The largest weight before promotion. */
  readonly maxWeight?: number;
  /** The weight's growth per interval. */
  readonly stepWeight?: number;
  /** The weights, step by step. */
  readonly stepWeights?: readonly number[];
  /** A/B testing: the header matches. */
  readonly match?: readonly Readonly<Record<string, StringMatch>>[];
  /** The metrics checked. */
  readonly metrics?: readonly IFlaggerAnalysisMetric[];
  /** Notifications. */
  readonly alerts?: readonly FlaggerAlert[];
  /** Webhooks. */
  readonly webhooks?: readonly FlaggerWebhook[];
  /** The share of requests mirrored to the canary (`analysis.mirror`, `mirrorWeight`), if any. */
  readonly mirror?: number;
}

/**
 * The spec of a Flagger Canary (flagger.app/v1beta1). In weighted mode `maxWeight`
 * defaults to 50 unless `stepWeights` are given (their last is the maximum).
 * @see https://docs.flagger.app/usage/how-it-works#canary-analysis
 */
export function renderCanarySpec(s: FlaggerCanaryState): Record<string, any> {
  const go = (d: Duration | undefined) => (d ? toGoDuration(d) : undefined);
  const weighted = s.iterations === undefined;
  return {
    targetRef: { apiVersion: 'apps/v1', kind: CanarySpecTargetRefKind.DEPLOYMENT, name: s.target },
    service: {
      port: s.port?.port,
      targetPort: s.port?.targetPort,
      gateways: [...s.gateways],
      ...s.traffic,
    },
    autoscalerRef: s.autoscaler && { apiVersion: s.autoscaler.apiVersion, kind: CanarySpecAutoscalerRefKind.HORIZONTAL_POD_AUTOSCALER, name: s.autoscaler.name },
    analysis: {
      interval: go(s.interval),
      threshold: s.threshold,
      iterations: s.iterations,
      maxWeight: weighted ? s.maxWeight ?? (s.stepWeights ? undefined : 50) : undefined,
      stepWeight: s.stepWeight,
      stepWeights: s.stepWeights ? [...s.stepWeights] : undefined,
      match: s.match?.map((m) => ({ headers: Object.fromEntries(Object.entries(m).map(([k, v]) => [k, { [v.kind]: v.value }])) })),
      mirror: s.mirror !== undefined ? true : undefined,
      mirrorWeight: s.mirror,
      metrics: s.metrics?.map((m) => m.toAnalysis(s.interval)),
      alerts: s.alerts?.map((a) => ({
        name: a.name,
        severity: (a.severity ?? 'error') as CanarySpecAnalysisAlertsSeverity,
        providerRef: { name: a.providerRef.name, namespace: a.providerRef.namespace },
      })),
      webhooks: s.webhooks?.map((w) => ({
        name: w.name,
        type: w.type as CanarySpecAnalysisWebhooksType,
        url: w.url,
        timeout: go(w.timeout),
        metadata: w.metadata ? { ...w.metadata } : undefined,
      })),
    },
  };
}

/**
 * The host's trafficPolicy, timeout and retries, as the library renders them for its own
 * DestinationRule and VirtualService. Flagger 1.44's Canary schema knows
 * `connectionPool.http` only, so `connectionPool.tcp` (maxConnections) does not reach
 * Flagger's DestinationRules (the API server would prune it).
 * @see https://docs.flagger.app/usage/how-it-works#canary-service
 */
export function flaggerServiceTraffic(traffic: HostTraffic, policy: TierSettings): Record<string, any> {
  const trafficPolicy = renderDestinationRuleSpec(traffic, { policy, defaultSplit: [] }).trafficPolicy;
  return {
    trafficPolicy: trafficPolicy && JSON.parse(JSON.stringify(trafficPolicy)),
    timeout: policy.timeout && toIstioDuration(policy.timeout),
    retries: renderRetries(policy.retries),
  };
}

/** A Flagger Canary under `scope`, its spec read at synth. */
export function addCanary(scope: Construct, id: string, metadata: ApiObjectMetadata, spec: () => Record<string, any>): ApiObject {
  return new Canary(scope, id, { metadata, spec: Lazy.any({ produce: spec }) });
}
