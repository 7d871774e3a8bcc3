import type { ICanaryTarget } from '../../graph/mesh-service-props';
import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { Codes } from '../../core/codes';
import { describeDuration } from '../../core/duration';
import { formatProblem } from '../../core/errors';
import { StringMatch } from '../../core/http';
import { FlaggerMatch, toFlaggerMatch } from './flagger-match';
import { Labels } from '../../core/labels';
import { dns1123LabelProblem } from '../../core/names';
import { toGoDuration } from '../../private/go-duration';
import { addCanary, flaggerServiceTraffic } from './flagger-canary.render';
import { Percentage } from '../../core/weight';
import { derivedIntendedFlows } from '../../graph/intended-flows';
import { isKplusDeployment } from '../../workload/adopt';
import type { IntendedFlow } from '../../core/flow';
import { FlaggerAlert, FlaggerLoadTest, FlaggerWebhook } from './flagger-hooks';
import {
  admitFlaggerOnLoadTester, admitLoadTester, loadTestFlows, loadTestProblems, loadTestWebhook, unverifiedWebhookProblems, webhookFlows,
} from './flagger-load-test';
import { FlaggerMetric } from './flagger-metric';
import { addProblems } from '../../private/construct-problems';
import type { Problem } from '../../core/problem';
import { streamLatencyProblems } from '../../graph/service-problems';
import { handOverService } from '../../graph/handed-over-service';
import { apexProblems } from './flagger-apex';
import { ServiceSecurity } from '../../graph/security/service-security';
import { MeshService } from '../../graph/mesh-service';

export type { FlaggerAlert, FlaggerLoadTest, FlaggerWebhook, FlaggerWebhookType } from './flagger-hooks';
export type { FlaggerMatch } from './flagger-match';

/** The kinds whose `spec.selector` selects the pods of their own `spec.template`. */
const WORKLOAD_KINDS: readonly string[] = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'];

/**
 * Flagger's session affinity (`analysis.sessionAffinity`): during a weighted analysis Flagger's VirtualService adds
 * `Set-Cookie: <cookieName>=<random value>` to the canary's responses and sends every request carrying that cookie to the
 * canary, so that a client which reached the canary stays on it for the rest of the run (fluxcd/flagger pkg/router/istio.go,
 * `getSessionAffinityRouteRules`).
 * @see https://docs.flagger.app/usage/deployment-strategies#canary-release-with-session-affinity
 */
export interface FlaggerSessionAffinity {
  /** The cookie that pins a client to the canary, an HTTP token (`flagger-cookie`). */
  readonly cookieName: string;
  /**
   * A cookie that pins a client to the primary for one analysis interval, another name than `cookieName` (Flagger refuses the same).
   * @default - none: a client on the primary may reach the canary at its next request
   */
  readonly primaryCookieName?: string;
  /**
   * How long the browser keeps the canary's cookie, whole seconds.
   * @default Duration.days(1) - Flagger's 86400 seconds
   */
  readonly maxAge?: Duration;
  /**
   * The cookie's `Path` attribute.
   * @default - none: the path of the request that set it
   */
  readonly path?: string;
  /**
   * Whether the cookie is sent over https alone (`Secure`).
   * @default false
   */
  readonly secure?: boolean;
  /**
   * Whether scripts of the page cannot read the cookie (`HttpOnly`).
   * @default false
   */
  readonly httpOnly?: boolean;
  /**
   * The cookie's `SameSite` attribute.
   * @default - none: the browser's default (Lax)
   */
  readonly sameSite?: 'Strict' | 'Lax' | 'None';
}

/** Props for {@link FlaggerCanary}. */
export interface FlaggerCanaryProps {
  /** The service Flagger releases: it targets `Deployment/<service name>`. */
  readonly service: ICanaryTarget;
  /**
   * How often Flagger runs the analysis and moves a step.
   * @default Duration.minutes(1)
   * @see https://docs.flagger.app/usage/how-it-works#canary-analysis
   */
  readonly interval?: Duration;
  /**
   * Failed checks, in a row, before Flagger rolls back.
   * @default 5
   */
  readonly threshold?: number;
  /**
   * The canary's weight grows by this much each interval (1-100). Exclusive with `stepWeights` and `iterations`.
   * @default - none
   */
  readonly stepWeight?: number;
  /**
   * The canary's weights, step by step, strictly increasing (1-100), e.g. seed 003's 10, 30, 50, 80.
   * Exclusive with `stepWeight` and `iterations`.
   * @default - none
   */
  readonly stepWeights?: number[];
  /**
   * The largest weight before promotion (1-100); with `stepWeights`, their last.
   * @default - 50 with stepWeight; the last step with stepWeights
   */
  readonly maxWeight?: number;
  /**
   * A/B testing: the number of analysis runs, during which only requests matching
   * `match` reach the canary. Needs `match`; exclusive with weights.
   * @default - weighted (canary) mode
   */
  readonly iterations?: number;
  /**
   * A/B testing: requests that match one entry go to the canary. An entry takes header and query parameter matches
   * (`{ headers: { 'x-canary': StringMatch.exact('insider') } }`, `{ queryParams: { variant: StringMatch.exact('b') } }`), all of
   * which must match; a record of header matches alone (`{ 'x-canary': StringMatch.exact('insider') }`) is taken as its headers.
   * @default - none
   * @see https://docs.flagger.app/usage/deployment-strategies#a-b-testing
   */
  readonly match?: (FlaggerMatch | Record<string, StringMatch>)[];
  /**
   * What the analysis checks at each interval.
   * @default - no metric checks
   */
  readonly metrics?: FlaggerMetric[];
  /**
   * Webhooks Flagger calls (load tests, gates, rollback alerts). Flagger POSTs each from its own pod, which has no sidecar:
   * one the platform's load tester Service serves (a gate's `/gate/check`) is an intended flow from Flagger's pods to the load
   * tester's, which synth proves (MESH600). Under mesh-wide STRICT mTLS the load tester's PeerAuthentication admits Flagger's
   * plaintext on its port alone, which the library writes once for the cluster (Flagger's FAQ).
   * @default - none
   * @see https://github.com/fluxcd/flagger/blob/main/docs/gitbook/faq.md (If Flagger is outside of the mesh, how can it start the load test?)
   */
  readonly webhooks?: FlaggerWebhook[];
  /**
   * A load test that sends the canary requests during the analysis, so that its metrics have values: a `rollout`
   * webhook to the platform's load tester (`MeshPlatform.loadTester`) running `hey` (an HTTP port) or `ghz` (a gRPC port)
   * against `<service>-canary` on the service's first port. The service admits the load tester's pods on that port, method and path (NetworkPolicy
   * ingress, and an ALLOW rule for its principal, or a plaintext admission when it has no sidecar), and synth proves
   * the requests reach the canary's pods. A webhook of your own to the load tester admits nothing: the service's
   * policies refuse its requests, Flagger finds no values and rolls back (MESH316).
   * @default - no load test: the canary sees only the traffic its weight sends it
   * @see https://docs.flagger.app/usage/webhooks#load-testing
   */
  readonly loadTest?: FlaggerLoadTest;
  /**
   * Notifications of the canary's progress and rollbacks.
   * @default - none
   * @see https://docs.flagger.app/usage/alerting
   */
  readonly alerts?: FlaggerAlert[];
  /**
   * Gateways Flagger's VirtualService binds to. Not with `delegation`, whose VirtualService binds to none.
   * @default ['mesh'] - the callers' sidecars; none with `delegation`
   */
  readonly gateways?: string[];
  /**
   * Flagger's VirtualService as a delegate (`spec.service.delegation`): it has no hosts and no gateways, and every
   * gateway route to the service (`EdgeGateway.route`, `IngressGateway.route`) delegates to it (Istio's `delegate`)
   * instead of routing to the apex Service. istiod merges Flagger's rules into the gateway's (their matches ANDed with
   * the gateway route's path), so the public requests meet the canary: the analysis's weights, its A/B `match` and its
   * mirror hold for them. Without it a gateway's route goes to the apex Service, which Flagger points at the primary, and
   * the analysis judges a version no public client used (MESH312). Flagger refuses `gateways` or `hosts` beside it, so
   * `gateways` is refused here (MESH305). A delegate serves only the routes that delegate to it: the mesh's callers of
   * the service reach the apex Service, the primary's pods, so release this way a service that the gateway alone calls
   * (a web frontend). The delegated rules carry the Canary's retries and timeout, which win over the gateway route's.
   * @default false
   * @see https://docs.flagger.app/faq#istio-delegation (fluxcd/flagger pkg/router/istio.go, reconcileVirtualService)
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#Delegate
   */
  readonly delegation?: boolean;
  /**
   * Traffic mirroring (`analysis.mirror` and `mirrorWeight`): a copy of this share of the
   * requests goes to the canary, whose answers are dropped. With weights it is one step
   * before the first shift (Flagger mirrors while the canary's weight is 0, then moves it to
   * the first step); with `iterations` and no `match` (Blue/Green) it lasts the whole run. Istio
   * and the Gateway API support it. A mirrored write is applied twice, so synth warns when the
   * service admits POST, PUT, PATCH or DELETE (MESH320).
   * @default - no mirroring
   * @see https://docs.flagger.app/usage/deployment-strategies#blue-green-with-traffic-mirroring
   * @see https://github.com/fluxcd/flagger/blob/main/pkg/controller/scheduler.go (runCanary: "do one step of mirroring before
   *   shifting traffic to canary")
   */
  readonly mirror?: Percentage;
  /**
   * Session affinity during a weighted analysis: a client that reached the canary stays on it (a cookie Flagger's
   * VirtualService sets and routes by). Without it Flagger picks the primary or the canary for each request by weight, so a
   * client's requests, a WebSocket's reconnections or a session's next page, move between the versions; and on a service
   * hashed for affinity (a `ConsistentHash` load balancer) that is a warning (MESH684). Weighted mode only: an A/B test's
   * routes replace the sticky ones (MESH305).
   * @default - none
   * @see https://docs.flagger.app/usage/deployment-strategies#canary-release-with-session-affinity
   */
  readonly sessionAffinity?: FlaggerSessionAffinity;
}

/**
 * Automated canary analysis by Flagger: a Canary (flagger.app/v1beta1) that targets
 * `Deployment/<service>` and moves traffic step by step while its metrics hold.
 *
 * In this mode Flagger writes the host's VirtualService, so the library emits none
 * for it (it hands the host over), and any route, split, mirror or fault another
 * construct contributes to that host fails synth (MESH306) instead of being dropped.
 * The Canary's `service` carries the host's trafficPolicy, timeout and retries, which
 * Flagger copies into the DestinationRules and VirtualService it writes, and its
 * `autoscalerRef` the service's HorizontalPodAutoscaler, if it has one.
 *
 * Flagger also generates the service's Services: the apex `<service>` (selecting the primary's pods),
 * `<service>-primary` and `<service>-canary`, from the Canary's `spec.service` (fluxcd/flagger
 * pkg/router/kubernetes_default.go, `Reconcile`, `reconcileService`). So the library writes no
 * Service `<service>` either: a written one would be pointed back at the canary's pods, which
 * Flagger keeps at zero replicas between analyses, by every apply of the manifests. Its labels and
 * annotations (an edge proxy's, `exportTo`) go to `spec.service.apex`, a headless Service to
 * `spec.service.headless`; a setting Flagger's ClusterIP Service cannot have (a NodePort or
 * LoadBalancer type, a UDP port) fails synth (MESH314).
 *
 * Flagger copies `Deployment/<service>` to `<service>-primary` and renames the first of
 * its `--selector-labels` (`app,name,app.kubernetes.io/name`) found in the Deployment's
 * selector to `<value>-primary` on the primary's pods (fluxcd/flagger
 * pkg/canary/deployment_controller.go, `getSelectorLabel`; pkg/canary/util.go,
 * `makePrimaryLabels`). The service's Deployment selects by `app`, so every policy then
 * selects its pods by `app.kubernetes.io/name`, which Flagger keeps on both the primary's
 * and the canary's pods; a selector still on `app: <service>` fails synth (MESH666).
 *
 * Its default child (`Resource`) is the Canary.
 */
export class FlaggerCanary extends Construct {
  /** The service released. */
  public readonly service: ICanaryTarget;
  /** The analysis interval. */
  public readonly interval: Duration;
  /** Failed checks before rollback. */
  public readonly threshold: number;
  /** Gateways Flagger's VirtualService binds to (none with `delegation`). */
  public readonly gateways: readonly string[];
  /** Whether Flagger's VirtualService is a delegate that the gateways' routes to the service delegate to. */
  public readonly delegation: boolean;
  /** The weight's growth per interval, in weighted mode with a fixed step. */
  public readonly stepWeight?: number;
  /** The weights, step by step, in weighted mode with steps. */
  public readonly stepWeights?: readonly number[];
  /** The largest weight before promotion, as given (Flagger's default is rendered: 50 with stepWeight). */
  public readonly maxWeight?: number;
  /** A/B testing: the number of analysis runs. */
  public readonly iterations?: number;
  /** A/B testing: the request matches (headers and query parameters). */
  public readonly match?: readonly FlaggerMatch[];
  /** What the analysis checks. */
  public readonly metrics?: readonly FlaggerMetric[];
  /** Webhooks Flagger calls, the load test's last. */
  public readonly webhooks?: readonly FlaggerWebhook[];
  /** The load test, if any. */
  public readonly loadTest?: FlaggerLoadTest;
  /** Notifications. */
  public readonly alerts?: readonly FlaggerAlert[];
  /** The share of requests mirrored to the canary, if any. */
  public readonly mirror?: Percentage;
  /** Session affinity during the analysis, if any. */
  public readonly sessionAffinity?: FlaggerSessionAffinity;

  /** The service's Service, handed over to Flagger: read at synth, written by Flagger. */
  private readonly apexService?: ApiObject;

  public constructor(scope: Construct, id: string, props: FlaggerCanaryProps) {
    super(scope, id);
    this.service = props.service;
    this.interval = props.interval ?? Duration.minutes(1);
    this.threshold = props.threshold ?? 5;
    this.delegation = props.delegation ?? false;
    this.gateways = [...(props.gateways ?? (this.delegation ? [] : ['mesh']))];
    this.stepWeight = props.stepWeight;
    this.stepWeights = props.stepWeights && [...props.stepWeights];
    this.maxWeight = props.maxWeight;
    this.iterations = props.iterations;
    this.match = props.match?.map(toFlaggerMatch);
    this.metrics = props.metrics && [...props.metrics];
    this.loadTest = props.loadTest && { ...props.loadTest };
    const hooks = [...(props.webhooks ?? []), ...(this.loadTest ? [loadTestWebhook(props.service, this.loadTest)] : [])];
    this.webhooks = props.webhooks || this.loadTest ? hooks : undefined;
    this.alerts = props.alerts && [...props.alerts];
    this.mirror = props.mirror;
    this.sessionAffinity = props.sessionAffinity && { ...props.sessionAffinity };
    // Flagger names its VirtualService after the apex (pkg/router/istio.go, GetServiceNames), in the Canary's namespace.
    const delegate = this.delegation ? { name: this.service.name, namespace: this.service.namespace } : undefined;
    this.service.traffic.handOverVirtualService(this, 'flagger', delegate);
    this.apexService = handOverService(this.service, 'flagger');
    addCanary(this, 'Resource', { name: this.service.name, namespace: this.service.namespace, labels: this.service.chart.commonLabels() }, this);
    this.service.chart.addIntendedFlows(() => this.primaryFlows());
    this.service.chart.addIntendedFlows(() => webhookFlows(this.service, this.webhooks ?? [], this.node.path));
    admitFlaggerOnLoadTester(this, this.service, this.webhooks ?? []);
    if (this.loadTest) {
      const test = this.loadTest;
      admitLoadTester(this.service, test);
      this.service.chart.addIntendedFlows(() => loadTestFlows(this.service, test, this.node.path));
    }
    addProblems(this, () => this.problems());
  }

  /**
   * The service's own flows (its calls, its spans) from the primary's pods too: Flagger runs
   * them as `<name>-primary` (`app: <name>-primary`) beside the canary's, which answer to the
   * service's name, so each flow is proved from both.
   */
  private primaryFlows(): IntendedFlow[] {
    const s = this.service;
    return derivedIntendedFlows(s.chart)
      .filter((f) => 'workload' in f.source && f.source.workload === s.name && f.source.namespace === s.namespace)
      .map((f) => ({
        ...f, source: { workload: `${s.name}-primary`, namespace: s.namespace }, description: `${f.description} (from Flagger's primary)`,
      }));
  }

  /** @internal The Service the library would write for the service, as rendered (read at synth), which Flagger writes instead. */
  public _apexService(): Record<string, any> | undefined {
    return this.apexService?.toJson();
  }

  /** @internal The service's HorizontalPodAutoscaler, if it has one (read at synth). */
  public _autoscaler(): { apiVersion: string; name: string } | undefined {
    const hpa = this.service.chart.node.findAll().find((c): c is ApiObject => ApiObject.isApiObject(c)
      && c.kind === 'HorizontalPodAutoscaler' && c.metadata.namespace === this.service.namespace
      && c.toJson().spec?.scaleTargetRef?.name === this.service.name);
    return hpa && { apiVersion: hpa.apiVersion, name: hpa.name };
  }

  /** MESH666: selectors in the chart that still select the service's pods by `app: <name>`, which Flagger renames on the primary. */
  private renamedSelectors(): string[] {
    const out: string[] = [];
    const app = this.service.name;
    const byApp = (labels: unknown) => !!labels && (labels as Record<string, string>)[Labels.APP] === app;
    for (const c of this.service.chart.node.findAll()) {
      if (!ApiObject.isApiObject(c)) continue;
      // The service's own Deployment keeps `app`: Flagger reads it (and the library writes no Service of that name).
      if ((c.kind === 'Deployment' || c.kind === 'Service') && c.name === app) continue;
      const m = c.toJson();
      // A workload whose own pods carry `app: <name>` (a version of the service's own) selects them, not the primary's: its pods
      // join Flagger's `<name>-canary` Service, which the check over the manifests reports (MESH670).
      const ownPods = WORKLOAD_KINDS.includes(c.kind) && byApp(m.spec?.template?.metadata?.labels);
      const selectors: [string, unknown][] = [
        ['spec.selector.matchLabels', ownPods ? undefined : m.spec?.selector?.matchLabels],
        ['spec.workloadSelector.labels', m.spec?.workloadSelector?.labels],
        ['spec.podSelector.matchLabels', m.spec?.podSelector?.matchLabels],
      ];
      (m.spec?.ingress ?? []).forEach((r: any, i: number) => (r?.from ?? []).forEach((f: any, j: number) =>
        selectors.push([`spec.ingress[${i}].from[${j}].podSelector.matchLabels`, f?.podSelector?.matchLabels])));
      (m.spec?.egress ?? []).forEach((r: any, i: number) => (r?.to ?? []).forEach((t: any, j: number) =>
        selectors.push([`spec.egress[${i}].to[${j}].podSelector.matchLabels`, t?.podSelector?.matchLabels])));
      (m.spec?.template?.spec?.topologySpreadConstraints ?? []).forEach((t: any, i: number) =>
        selectors.push([`spec.template.spec.topologySpreadConstraints[${i}].labelSelector.matchLabels`, t?.labelSelector?.matchLabels]));
      for (const [field, labels] of selectors) {
        if (byApp(labels)) {
          out.push(
            formatProblem(
              Codes.FLAGGER_RENAMED_SELECTOR,
              `service: ${c.kind}/${c.name} ${field} selects app=${app}, which Flagger renames to ${app}-primary on the primary's pods; `
                + `select by ${Labels.NAME}, which Flagger keeps`,
            ),
          );
        }
      }
    }
    return out;
  }

  private problems(): (string | Problem)[] {
    const out: string[] = [];
    // Flagger copies the Deployment named after the service; a StatefulSet, or a team's workload of another name, it cannot release.
    const w = this.service.workload;
    if (this.service.stateful || w.name !== this.service.name || !isKplusDeployment(w)) {
      const kind = isKplusDeployment(w) ? `Deployment/${w.name}` : 'a StatefulSet';
      const name = this.service.name;
      out.push(formatProblem(Codes.SINGLE_VERSION_WORKLOAD, `service: Flagger releases Deployment/${name}, and ${name}'s workload is ${kind}`));
    }
    const bad = (field: string, what: string) => out.push(formatProblem(Codes.FLAGGER_INVALID_ANALYSIS, `${field}: ${what}`));
    const durations: Record<string, Duration | undefined> = { interval: this.interval };
    this.metrics?.forEach((m, i) => { durations[`metrics[${i}].interval`] = m.interval; });
    this.webhooks?.forEach((w, i) => { durations[`webhooks[${i}].timeout`] = w.timeout; });
    for (const [field, d] of Object.entries(durations)) {
      if (d && !toGoDuration(d)) bad(field, `must be whole milliseconds, at least 1ms, got ${describeDuration(d)}`);
    }
    this.analysisProblems(bad);
    // Flagger: "VirtualService cannot have hosts and gateways when delegation enabled" (pkg/router/istio.go, reconcileVirtualService).
    if (this.delegation && this.gateways.length > 0) {
      const got = this.gateways.join(', ');
      bad('gateways', `Flagger's VirtualService with delegation binds to no gateway (it refuses the Canary otherwise); got ${got}`);
    }
    if (this.loadTest) out.push(...loadTestProblems(this.service, this.loadTest));
    this.hookProblems(out, bad);
    out.push(...this.renamedSelectors());
    out.push(...apexProblems(this.service.name, this._apexService()));
    this.ownedContributionProblems(out);
    return [
      ...out, ...this.streamLatencyProblems(), ...this.delegationProblems(), ...this.tcpPoolProblems(), ...this.hashedSessionProblems(),
      ...unverifiedWebhookProblems(this.service, this.webhooks ?? []),
    ];
  }

  /**
   * MESH682 (warning): the service's own `connectionPool.tcp` (maxConnections, connectTimeout) does not reach Flagger's
   * DestinationRules: Flagger 1.44's Canary schema has `service.trafficPolicy.connectionPool.http` only (its CRD,
   * ../shared/crds/flagger-1.44.0.yaml), so the API server prunes `tcp` and Flagger writes `<name>-primary` and `<name>-canary`
   * without it: Istio's defaults, 2^32-1 connections and a 10s connect timeout
   * (https://istio.io/latest/docs/reference/config/networking/destination-rule/#ConnectionPoolSettings-TCPSettings).
   * A tier's pool is left unsaid: only what the service sized itself is reported.
   */
  private tcpPoolProblems(): Problem[] {
    const own = MeshService.isMeshService(this.service) ? this.service.overrides.connectionPool?.tcp : undefined;
    const set = Object.entries(own ?? {}).filter(([, v]) => v !== undefined).map(([k]) => `connectionPool.tcp.${k}`);
    if (set.length === 0) return [];
    return [{
      code: Codes.FLAGGER_DROPS_TCP_POOL, field: 'service', severity: 'warning',
      message: `${this.service.name} sets ${set.join(' and ')}, which Flagger's Canary cannot carry (its trafficPolicy has `
        + `connectionPool.http only): the DestinationRules Flagger writes for ${this.service.name}-primary and ${this.service.name}-canary `
        + "keep Istio's defaults (2^32-1 connections, a 10s connect timeout); size what the callers' proxies hold with "
        + 'connectionPool.http (http1MaxPendingRequests, http2MaxRequests), or acknowledge it',
    }];
  }

  /**
   * MESH684 (warning): a weighted analysis over a service hashed for affinity, without session affinity. Flagger's VirtualService
   * weighs `<name>-primary` and `<name>-canary` in one rule (fluxcd/flagger pkg/router/istio.go, `SetRoutes`), and Envoy picks one
   * of a route's weighted clusters for each request (RouteAction.weighted_clusters) before that cluster's load balancer hashes it
   * (RouteAction.hash_policy, "used for ring hash load balancing" within the cluster chosen): a key's requests, and a client's,
   * reach a pod of each version.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-msg-config-route-v3-weightedcluster
   */
  private hashedSessionProblems(): Problem[] {
    if (this.sessionAffinity || this.iterations !== undefined) return [];
    const hash = flaggerServiceTraffic(this.service.traffic, this.service.policy).trafficPolicy?.loadBalancer?.consistentHash;
    if (!hash) return [];
    const key = hash.httpHeaderName !== undefined ? `header ${hash.httpHeaderName}`
      : hash.httpQueryParameterName !== undefined ? `query parameter ${hash.httpQueryParameterName}`
      : hash.httpCookie !== undefined ? `cookie ${hash.httpCookie.name}` : 'source address';
    const s = this.service.name;
    return [{
      code: Codes.FLAGGER_SPLITS_HASHED_SESSIONS, field: 'sessionAffinity', severity: 'warning',
      message: `${s} is hashed by its ${key} (loadBalancer consistentHash), so that one key's requests reach one pod, but during the `
        + `analysis Flagger's VirtualService picks ${s}-primary or ${s}-canary for each request by weight, before the hash applies: one `
        + "key's requests, and one client's, reach a pod of each version; give the Canary sessionAffinity, which keeps a client that "
        + 'reached the canary on it (the versions still share each key: their state must be shared), or acknowledge it',
    }];
  }

  /**
   * MESH677 (warning): with `delegation` Flagger's VirtualService has no hosts (fluxcd/flagger pkg/router/istio.go,
   * reconcileVirtualService), and a VirtualService without hosts is applied by no sidecar, only merged into the rule that
   * delegates to it (https://istio.io/latest/docs/reference/config/networking/virtual-service/#Delegate): the service's callers
   * in the mesh reach the apex Service, which Flagger points at the primary, and never meet the canary.
   */
  private delegationProblems(): Problem[] {
    if (!this.delegation) return [];
    const self = `${this.service.namespace}/${this.service.name}`;
    const callers = [...new Set(ServiceSecurity.of(this.service).inboundCalls.map((c) => `${c.source.namespace}/${c.source.name}`))]
      .filter((c) => c !== self);
    if (callers.length === 0) return [];
    return [{
      code: Codes.FLAGGER_DELEGATION_SKIPS_MESH_CALLERS, field: 'delegation', severity: 'warning',
      message: `Flagger's delegate VirtualService has no hosts, so the sidecars of ${this.service.name}'s callers in the mesh `
        + `(${callers.join(', ')}) route them to ${this.service.name}, which Flagger points at ${this.service.name}-primary: their requests `
        + 'never meet the canary, which the analysis judges on the gateways\' requests alone; leave delegation out where they matter, '
        + 'or acknowledge it',
    }];
  }

  /**
   * MESH410 (warning): Flagger's request-duration, the P99 of istio_request_duration_milliseconds (fluxcd/flagger
   * pkg/metrics/observers/istio.go), on a service of streams.
   */
  private streamLatencyProblems(): Problem[] {
    return (this.metrics ?? []).flatMap((m, i) => (m.name === 'request-duration' && !m.toAnalysis(this.interval).templateRef
      ? streamLatencyProblems(this.service.name, this.service.policy.streaming, `metrics[${i}]`, "Flagger's request-duration check")
      : []));
  }

  /** The analysis: a threshold, one mode (stepWeight, stepWeights or iterations with matches), whole percentages, a mirror. */
  private analysisProblems(bad: (field: string, what: string) => void): void {
    const pct = (n: number) => Number.isInteger(n) && n >= 1 && n <= 100;
    if (!Number.isInteger(this.threshold) || this.threshold < 1) bad('threshold', `must be a whole number of at least 1, got ${this.threshold}`);
    if (this.stepWeight !== undefined && !pct(this.stepWeight)) bad('stepWeight', `must be a whole percentage from 1 to 100, got ${this.stepWeight}`);
    if (this.maxWeight !== undefined && !pct(this.maxWeight)) bad('maxWeight', `must be a whole percentage from 1 to 100, got ${this.maxWeight}`);
    const steps = this.stepWeights;
    if (steps) {
      if (steps.length === 0) bad('stepWeights', 'must not be empty');
      steps.forEach((w, i) => {
        if (!pct(w)) bad(`stepWeights[${i}]`, `must be a whole percentage from 1 to 100, got ${w}`);
        if (i > 0 && w <= steps[i - 1]) bad(`stepWeights[${i}]`, `${w} does not increase on ${steps[i - 1]}`);
      });
      const last = steps[steps.length - 1];
      if (this.maxWeight !== undefined && last !== undefined && this.maxWeight < last)
        bad('maxWeight', `${this.maxWeight} is below the last step weight ${last}`);
    }
    if (this.stepWeight !== undefined && this.maxWeight !== undefined && this.maxWeight < this.stepWeight)
      bad('maxWeight', `${this.maxWeight} is below stepWeight ${this.stepWeight}`);
    // Flagger's mirrorWeight is a whole percentage (int in its Canary CRD); 0 mirrors nothing.
    const mirror = this.mirror?.value;
    if (mirror !== undefined && !(Number.isInteger(mirror) && mirror >= 1)) bad('mirror', `must be a whole percentage from 1 to 100, got ${mirror}`);
    if (mirror !== undefined && this.iterations !== undefined && this.match) {
      bad('mirror', 'an A/B test (iterations with match) sends the matched requests themselves; Flagger mirrors in canary and Blue/Green runs');
    }
    const modes = [
      this.stepWeight !== undefined && 'stepWeight',
      this.stepWeights !== undefined && 'stepWeights',
      this.iterations !== undefined && 'iterations',
    ].filter(Boolean);
    if (modes.length === 0) bad('stepWeight', 'set one of stepWeight, stepWeights (canary) or iterations (A/B testing)');
    if (modes.length > 1) bad(String(modes[1]), `cannot be combined with ${modes[0]}`);
    this.sessionAffinityProblems(bad);
    if (this.iterations !== undefined) {
      if (!Number.isInteger(this.iterations) || this.iterations < 1)
        bad('iterations', `must be a whole number of at least 1, got ${this.iterations}`);
      if (!this.match || this.match.length === 0) bad('match', 'A/B testing (iterations) needs at least one header or query parameter match');
    } else if (this.match) {
      bad('match', 'request matches are for A/B testing: set iterations');
    }
  }

  /**
   * Session affinity as Flagger applies it: in weighted mode only (an A/B test's routes replace the sticky ones: fluxcd/flagger
   * pkg/router/istio.go, `SetRoutes`), cookie names that are HTTP tokens (RFC 6265 section 4.1.1, cookie-name) and differ (Flagger
   * refuses the same name: pkg/controller/controller.go, `verifySessionAffinity`), a Max-Age of whole seconds (an int in its CRD).
   */
  private sessionAffinityProblems(bad: (field: string, what: string) => void): void {
    const a = this.sessionAffinity;
    if (!a) return;
    if (this.iterations !== undefined) {
      bad('sessionAffinity', 'Flagger applies it to a weighted analysis (stepWeight or stepWeights); its A/B and Blue/Green routes replace '
        + 'the sticky ones');
    }
    const token = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
    if (!token.test(a.cookieName)) bad('sessionAffinity.cookieName', `must be an HTTP token (a cookie name), got '${a.cookieName}'`);
    if (a.primaryCookieName !== undefined) {
      const field = 'sessionAffinity.primaryCookieName';
      if (!token.test(a.primaryCookieName)) bad(field, `must be an HTTP token (a cookie name), got '${a.primaryCookieName}'`);
      else if (a.primaryCookieName === a.cookieName) bad(field, `is the canary's cookie too ('${a.cookieName}'), which Flagger refuses`);
    }
    if (a.maxAge !== undefined) {
      const ms = a.maxAge.toMilliseconds();
      if (ms < 1000 || ms % 1000 !== 0) bad('sessionAffinity.maxAge', `must be whole seconds, at least 1s, got ${describeDuration(a.maxAge)}`);
    }
    if (a.path !== undefined && !/^\/[^;\s]*$/.test(a.path)) {
      bad('sessionAffinity.path', `must be a path starting with / without ';' or spaces, got '${a.path}'`);
    }
  }

  /** The metrics (one name each), the webhooks (http(s) URLs; no rollback gate to a notification endpoint) and the alerts. */
  private hookProblems(out: string[], bad: (field: string, what: string) => void): void {
    const names = new Set<string>();
    this.metrics?.forEach((m, i) => {
      if (names.has(m.name)) bad(`metrics[${i}].name`, `'${m.name}' is used twice`);
      names.add(m.name);
    });
    this.webhooks?.forEach((w, i) => {
      if (!/^https?:\/\/\S+$/.test(w.url)) bad(`webhooks[${i}].url`, `must be an http(s) URL, got '${w.url}'`);
      // A rollback webhook is a gate: Flagger rolls back when it answers 2xx, and an
      // Alertmanager (or any notification endpoint) always does.
      // https://docs.flagger.app/usage/webhooks ("Rollback hooks")
      if (w.type === 'rollback' && /\/api\/v[12]\/alerts\/?$/.test(w.url)) {
        out.push(
          formatProblem(
            Codes.FLAGGER_NOTIFICATION_AS_GATE,
            `webhooks[${i}]: a rollback webhook to Alertmanager (${w.url}) answers 2xx, which Flagger takes as "roll back now"; send notifications `
              + 'with alerts',
          ),
        );
      }
    });
    this.alerts?.forEach((a, i) => {
      const problem = dns1123LabelProblem(a.providerRef.name);
      if (problem) out.push(formatProblem(Codes.INVALID_NAME, `alerts[${i}].providerRef.name: ${problem}`));
    });
  }

  /** What other constructs contributed to the host's VirtualService, which Flagger writes instead. */
  private ownedContributionProblems(out: string[]): void {
    const t = this.service.traffic;
    const owned = (what: string) =>
      out.push(
        formatProblem(
          Codes.FLAGGER_OWNS_VIRTUAL_SERVICE,
          `service: Flagger writes the VirtualService of ${this.service.name}, so the ${what} contributed to it would be dropped; remove it or `
            + 'drop the FlaggerCanary',
        ),
      );
    if (t.routes.length > 0) owned(`matched route(s) ${t.routes.map((r, i) => r.name ?? i).join(', ')}`);
    if (t.split) owned('default route split');
    if (t.mirror) owned('mirror');
    if (t.fault) owned('fault injection');
    if (t.writeRetries) owned('write retries');
  }
}
