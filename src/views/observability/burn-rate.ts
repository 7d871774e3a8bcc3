import { Duration } from 'cdk8s';
import { toPromDuration } from '../../core/duration';
import { exactDecimal, percentToRatio } from '../../private/decimal';
import { alertPrefix } from '../../core/slo';
import { AlertContext, alertLabels, AlertRule, displayNameOf, errorMatchers, RecordingRule, requestRate, SloTarget, teamOf } from './alert-rules';

/** One pair of windows of a multi-window, multi-burn-rate alert. */
export interface BurnRateWindow {
  /** The long window: the budget must have burned this fast over it. */
  readonly long: Duration;
  /** The short window: and still be burning now (so the alert resets quickly). */
  readonly short: Duration;
  /** How many times faster than the budget allows (14.4 spends 2% of a 30-day budget in 1h). */
  readonly factor: number;
  /** `page` (someone gets up now) or `ticket` (look at it in working hours). */
  readonly action: 'page' | 'ticket';
}

/** The budget period the burn rates are measured against. */
export const ERROR_BUDGET_PERIOD = Duration.days(30);

/**
 * The Google SRE workbook's windows for a 30-day budget: 1h/5m at 14.4 and 6h/30m
 * at 6 page; 1d/2h at 3 and 3d/6h at 1 open a ticket.
 * @see https://sre.google/workbook/alerting-on-slos/#6-multiwindow-multi-burn-rate-alerts
 */
export const BURN_RATE_WINDOWS: readonly BurnRateWindow[] = [
  { long: Duration.hours(1), short: Duration.minutes(5), factor: 14.4, action: 'page' },
  { long: Duration.hours(6), short: Duration.minutes(30), factor: 6, action: 'page' },
  { long: Duration.days(1), short: Duration.hours(2), factor: 3, action: 'ticket' },
  { long: Duration.days(3), short: Duration.hours(6), factor: 1, action: 'ticket' },
];

/** The recorded error ratio over `window`: `slo:istio_request_errors:ratio_rate5m`. */
export function errorRatioSeries(window: Duration): string {
  return `slo:istio_request_errors:ratio_rate${toPromDuration(window)}`;
}

/** Every window a burn-rate alert reads, shortest first, each once. */
export function burnRateWindows(): Duration[] {
  const all = BURN_RATE_WINDOWS.flatMap((w) => [w.long, w.short]);
  const byMs = new Map(all.map((d) => [d.toMilliseconds(), d]));
  return [...byMs.values()].sort((a, b) => a.toMilliseconds() - b.toMilliseconds());
}

/**
 * Recording rules: the service's 5xx ratio over each window, its requests counted once with the
 * caller-side failures ({@link requestRate}), the series labelled with the service's namespace and name.
 */
export function errorRatioRecordingRules(t: SloTarget): RecordingRule[] {
  return burnRateWindows().map((w) => {
    const range = toPromDuration(w);
    return {
      record: errorRatioSeries(w),
      expr: `${requestRate(t, range, errorMatchers(t))} / ${requestRate(t, range)}`,
      labels: { destination_service_namespace: t.namespace, destination_service_name: t.service },
    };
  });
}

/**
 * The multi-window, multi-burn-rate alerts over the recording rules: one that
 * pages (severity critical) and one that opens a ticket (severity warning).
 * Thresholds are `factor × budget`, written as exact decimals (14.4 × 0.001 = 0.0144).
 */
export function burnRateAlerts(t: SloTarget, ctx: AlertContext): AlertRule[] {
  const budget = percentToRatio(t.slo.errorRate.value);
  const sel = `{destination_service_namespace="${t.namespace}",destination_service_name="${t.service}"}`;
  const team = teamOf(t);
  const period = toPromDuration(ERROR_BUDGET_PERIOD);
  const runbook = `${ctx.runbookBaseUrl.replace(/\/+$/, '')}/${team}-error-budget`;
  const alert = (action: 'page' | 'ticket'): AlertRule => {
    const windows = BURN_RATE_WINDOWS.filter((w) => w.action === action);
    const threshold = (w: BurnRateWindow) => exactDecimal(Number((w.factor * budget).toPrecision(12)));
    const expr = windows.map((w) =>
      `(${errorRatioSeries(w.long)}${sel} > ${threshold(w)} and ${errorRatioSeries(w.short)}${sel} > ${threshold(w)})`).join(' or ');
    const how = windows.map((w) => `${exactDecimal(w.factor)}x over ${toPromDuration(w.long)}/${toPromDuration(w.short)}`).join(', ');
    return {
      alert: `${alertPrefix(t.service)}ErrorBudget${action === 'page' ? 'Fast' : 'Slow'}Burn`,
      expr,
      labels: alertLabels(ctx, action === 'page' ? 'critical' : 'warning', { team, namespace: t.namespace }),
      annotations: {
        summary: `${displayNameOf(t)} is burning its ${period} error budget ${action === 'page' ? 'fast' : 'steadily'}`,
        description: `${t.service} in ${t.namespace} spends its ${exactDecimal(t.slo.errorRate.value)}% error budget at a burn rate above ${how}.`,
        runbook,
      },
    };
  };
  return [alert('page'), alert('ticket')];
}
