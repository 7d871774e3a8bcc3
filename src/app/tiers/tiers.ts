import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import {
  Codes, EdgeProxyRoute, ExportTo, FlaggerAlertAddress, FlaggerAlertProvider, FlaggerCanary, FlaggerMetric, HighAvailability, MeshChart, MeshService,
  ObservabilityStack, Percentage, Retries, Tier, Warnings,
} from '../../index';

/** Seed 003's tiers, each in its own namespace and chart. */
export interface Tiers {
  /** `k1s0-system`: authentication and configuration. */
  readonly system: MeshChart;
  /** `k1s0-business`: the domain's shared services. */
  readonly business: MeshChart;
  /** `k1s0-service`: the services users' requests reach. */
  readonly service: MeshChart;
  readonly authServer: MeshService;
  readonly configServer: MeshService;
  readonly accountingServer: MeshService;
  readonly orderServer: MeshService;
  /** Seed 003's entry path: Kong (the platform's API gateway, with a sidecar) calls order-server over mTLS. */
  readonly kongRoute: EdgeProxyRoute;
  /** Seed 003's Flagger release of order-server: stages 10 → 30 → 50 → 80, 5 minutes each, 10% mirrored first. */
  readonly orderRelease: FlaggerCanary;
  /** Where Flagger tells people about a rollback: seed 003's Teams channel. */
  readonly releaseAlerts: FlaggerAlertProvider;
}

const IMAGE = (name: string) => `registry.example.com/k1s0/${name}:1.0.0`;

/**
 * Seed 003's layout: three tier namespaces in one cluster (k1s0-system, k1s0-business,
 * k1s0-service), one chart and one dist/ folder each, a tier's services calling those of
 * the tiers below it. The calls cross namespaces: each produces the callee's fully
 * qualified host, an ALLOW rule for the caller's principal in its own namespace, a
 * NetworkPolicy peer with namespaceSelector AND podSelector at both ends, and a
 * `<namespace>/<host>` Sidecar host. order-server keeps seed 003's own route settings
 * (10s, 3 attempts of 3s); the system tier's services are exported only to the
 * namespaces that call them.
 */
export function buildTiers(scope: Construct): Tiers {
  const chart = (tier: string) => new MeshChart(scope, `k1s0-${tier}`, { namespace: `k1s0-${tier}`, partOf: 'k1s0' });
  const system = chart('system');
  const business = chart('business');
  const service = chart('service');

  // The system tier's services are visible only to the namespaces that call them.
  const authServer = new MeshService(system, 'auth-server', {
    image: IMAGE('auth-server'),
    tier: Tier.SYSTEM,
    exportTo: ExportTo.namespaces(['k1s0-business', 'k1s0-service']),
  });
  // Configuration reads answer within auth-server's 2s per-try timeout (MESH660 otherwise).
  const configServer = new MeshService(system, 'config-server', {
    image: IMAGE('config-server'),
    tier: Tier.SYSTEM,
    timeout: Duration.seconds(2),
    exportTo: ExportTo.namespaces(['k1s0-business']),
  });
  const accountingServer = new MeshService(business, 'accounting-server', { image: IMAGE('accounting-server'), tier: Tier.BUSINESS });
  const orderServer = new MeshService(service, 'order-server', {
    image: IMAGE('order-server'),
    tier: Tier.SERVICE,
    timeout: Duration.seconds(10),
    // Seed 003's literal retry policy (its service tier's conditions), Kong's POSTs included.
    retries: Retries.of({ attempts: 3, perTryTimeout: Duration.seconds(3), retryOn: ['5xx', 'reset', 'connect-failure', 'retriable-4xx'] }),
  });

  // Each tier calls the tiers below it (service → business → system).
  orderServer.calls(accountingServer, { methods: ['GET', 'POST'], paths: ['/api/v1/ledgers/*'] });
  orderServer.calls(authServer, { methods: ['POST'], paths: ['/api/v1/token/verify'] });
  accountingServer.calls(authServer, { methods: ['POST'], paths: ['/api/v1/token/verify'] });
  accountingServer.calls(configServer, { methods: ['GET'], paths: ['/api/v1/config/*'] });
  authServer.calls(configServer, { methods: ['GET'], paths: ['/api/v1/config/*'] });

  // Seed 003's route settings, kept: the retry analysis across the tier namespaces warns
  // that the outer tries give up before the inner routes' timeouts and that retries stack
  // on POSTs. Each is acknowledged with the condition under which it is safe (order-server's
  // on its Flagger release, whose Canary carries its route, below).
  Warnings.of(accountingServer).acknowledge(
    Codes.RETRY_OUTER_GIVES_UP_FIRST,
    "kept from seed 003: the business tier's 3s tries in front of the system tier's 5s; a token check has no side effect, so a retry only costs load",
  );

  // Seed 003's k1s0-mesh-gateway is left out: on the public ingress gateway's pods (the seed's
  // selector) its ISTIO_MUTUAL server routes nothing any mesh client calls, and what the seed
  // wants of it (canary weights, faults, mirroring, header routing) the services' VirtualServices
  // already do on the callers' sidecars (`gateways: [mesh]`).
  // Each tier is scraped and alerted on like the EC site (a PodMonitor on the sidecars' Envoy stats,
  // the mesh alerts, tracing), and each service's two pods keep one up through a drain and spread
  // over the zones (a PodDisruptionBudget, a topology spread: below).
  for (const tier of [system, business, service]) new ObservabilityStack(tier, 'observability', { name: 'k1s0' });

  const { orderRelease, releaseAlerts } = releaseOrderServer(service, orderServer);
  // order-server's budget and spread select the label Flagger keeps on both its pods (read at synth, in any order).
  for (const s of [authServer, configServer, accountingServer, orderServer]) new HighAvailability(s.chart, `${s.name}-availability`, { service: s });
  // Seed 003's entry path: Client → Nginx Ingress (TLS) → Kong (auth, rate limits, routing) → Istio
  // sidecar (mTLS) → order-server. Kong is the platform's API gateway, with a sidecar: order-server
  // admits its principal on the orders API (the exact path and everything under it), from its
  // pods, and Kong addresses the Service so that its sidecar routes by Flagger's weights.
  const kongRoute = new EdgeProxyRoute(service, 'order-server-via-kong', {
    service: orderServer,
    methods: ['GET', 'POST'],
    paths: ['/api/v1/orders', '/api/v1/orders/*'],
  });

  return { system, business, service, authServer, configServer, accountingServer, orderServer, kongRoute, orderRelease, releaseAlerts };
}

/**
 * Seed 003's automated canary analysis of order-server with Flagger: every 5 minutes a stage
 * (10 → 30 → 50 → 80, then promotion), each passing with a success rate of at least 99% and a
 * P99 under 500ms, two failed checks in a row rolling back. Flagger counts every failed check
 * toward that threshold alike and has no per-metric "at once", so the seed's rollback bounds
 * (over 5% errors or 1000ms) are covered by the stricter checks: a canary beyond them fails both
 * checks and is rolled back after two intervals. Its mirroring of 10% of production traffic is
 * Flagger's: one step before the first shift (Flagger owns the VirtualService, so no other
 * construct may write a mirror there). The rollback notification goes to an AlertProvider (seed
 * 003's Teams channel) instead of a `rollback` webhook to Alertmanager, which Flagger would take
 * as a gate answering "roll back now" on every 2xx (MESH667).
 */
function releaseOrderServer(chart: MeshChart, orderServer: MeshService): { orderRelease: FlaggerCanary; releaseAlerts: FlaggerAlertProvider } {
  // The webhook URL is a credential: the team creates Secret flagger-msteams (key `address`) in k1s0-service.
  const releaseAlerts = new FlaggerAlertProvider(chart, 'k1s0-infra-report', {
    type: 'msteams', address: FlaggerAlertAddress.secret('flagger-msteams'),
  });
  const orderRelease = new FlaggerCanary(chart, 'order-server-canary', {
    service: orderServer,
    interval: Duration.minutes(5),
    threshold: 2,
    stepWeights: [10, 30, 50, 80],
    maxWeight: 80,
    mirror: Percentage.of(10),
    metrics: [
      FlaggerMetric.requestSuccessRate(Percentage.of(99), Duration.minutes(5)),
      FlaggerMetric.requestDuration(Duration.millis(500), Duration.minutes(5)),
    ],
    alerts: [releaseAlerts.alert({ name: 'rollback-alert' })],
  });
  // order-server's route settings (seed 003: 10s, 3 tries of 3s) are the Canary's, which Flagger writes into its VirtualService.
  Warnings.of(orderRelease).acknowledge(Codes.RETRY_OUTER_GIVES_UP_FIRST,
    "kept from seed 003: order-server's 3s tries in front of the business tier's 10s and the system tier's 5s; "
    + 'safe only if ledger writes are keyed by order id');
  Warnings.of(orderRelease).acknowledge(Codes.RETRY_STACKED_NON_IDEMPOTENT,
    'kept from seed 003: order-server retries 3× on 5xx in front of the lower tiers; safe only if ledger writes and token checks are idempotent');
  Warnings.of(orderRelease).acknowledge(Codes.RETRY_RESET_NON_IDEMPOTENT,
    "kept from seed 003 (retryOn 5xx,reset,connect-failure,retriable-4xx): Kong's POST /api/v1/orders may reach order-server twice; "
    + 'safe only if orders are keyed by a client order id');
  Warnings.of(orderRelease).acknowledge(Codes.FLAGGER_MIRRORS_WRITES,
    "kept from seed 003 (10% of production traffic mirrored to the canary): safe only while the canary's orders go to a store of its own, "
    + 'or POST /api/v1/orders is keyed by a client order id');
  return { orderRelease, releaseAlerts };
}
