import { ApiObject, ApiObjectMetadata, Duration, Yaml } from 'cdk8s';
import { Construct } from 'constructs';
import { describeDuration, toIstioDuration, toPromDuration } from '../../core/duration';
import type { AlertRule } from '../observability/alert-rules';
import type { FaultInjection } from '../../graph/traffic/http-route';
import { addPrometheusRule } from '../observability/observability-stack.render';

/**
 * A `FaultInjectionTest`'s files: each host's VirtualService with and without the faults, and the alert when they are left on.
 */

/**
 * The fault-injection test's files, per host: its VirtualService as rendered
 * (`<host>.fault-off.yaml`) and with the faults on every HTTP route (`<host>.fault-on.yaml`).
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPFaultInjection
 */
export function renderFaultSwitchFiles(
  virtualServices: readonly { readonly host: string; readonly manifest: any }[],
  fault: FaultInjection,
): Record<string, string> {
  const out: Record<string, string> = {};
  const rendered = {
    delay: fault.delay && { percentage: { value: fault.delay.percentage.value }, fixedDelay: toIstioDuration(fault.delay.fixedDelay) },
    abort: fault.abort && { percentage: { value: fault.abort.percentage.value }, httpStatus: fault.abort.httpStatus },
  };
  for (const { host, manifest: off } of virtualServices) {
    const on = {
      ...off,
      spec: { ...off.spec, http: (off.spec.http ?? []).map((h: any) => ({ ...h, fault: JSON.parse(JSON.stringify(rendered)) })) },
    };
    out[`${host}.fault-off.yaml`] = Yaml.stringify(off);
    out[`${host}.fault-on.yaml`] = Yaml.stringify(on);
  }
  return out;
}

/**
 * A `FaultInjectionTest` as its alert reads it: the construct passes itself (this module does not
 * import it, so that no import goes in a circle).
 */
export interface FaultInjectionTestSource {
  /** How long the faults are meant to stay on. */
  readonly testDuration: Duration;
  /** @internal The chart the test runs in: its namespace (the hosts'), environment and whether it pages. */
  readonly _chart: { readonly namespace: string; readonly environment: string; readonly production: boolean };
  /** @internal The hosts whose routes get the faults. */
  _hosts(): string[];
}

/**
 * A PrometheusRule whose alert `FaultInjectionLeftOn` fires when requests to the hosts keep meeting
 * the injected faults longer than the test window plus 10 minutes: the callers' proxies, which
 * apply a VirtualService's faults, report them with the response flags FI (aborted) and DI (delayed).
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage#config-access-log-format-response-flags
 */
export function addFaultsLeftOnAlert(scope: Construct, id: string, metadata: ApiObjectMetadata, test: FaultInjectionTestSource): ApiObject {
  const st = { namespace: test._chart.namespace, environment: test._chart.environment, window: test.testDuration, pages: test._chart.production };
  const hosts = test._hosts().map((h) => `${h}\\\\.${st.namespace}\\\\.svc\\\\.cluster\\\\.local`).join('|');
  const faulted = `{reporter="source",destination_service=~"${hosts}",response_flags=~".*(FI|DI).*"}`;
  const rule: AlertRule = {
    alert: 'FaultInjectionLeftOn',
    expr: `sum by (destination_service_name) (rate(istio_requests_total${faulted}[5m])) > 0`,
    for: toPromDuration(Duration.minutes(st.window.toMinutes({ integral: false }) + 10)),
    labels: { severity: st.pages ? 'critical' : 'warning', namespace: st.namespace, environment: st.environment },
    annotations: {
      summary: 'Injected faults are still on for {{ $labels.destination_service_name }}',
      description: `Requests to {{ $labels.destination_service_name }} in ${st.namespace} meet injected faults (FI, DI) longer than the `
        + `${describeDuration(st.window)} test window: apply the fault-off files again (kubectl apply -f <host>.fault-off.yaml)`,
    },
  };
  return addPrometheusRule(scope, id, metadata, () => [{ name: 'fault-injection', rules: [rule] }]);
}
