import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { Codes, ExportTo, HighAvailability, MeshChart, MeshService, ObservabilityStack, Retries, Tier, Warnings } from '../../index';

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
    retries: Retries.of({ attempts: 3, perTryTimeout: Duration.seconds(3) }),
  });

  // Each tier calls the tiers below it (service → business → system).
  orderServer.calls(accountingServer, { methods: ['GET', 'POST'], paths: ['/api/v1/ledgers/*'] });
  orderServer.calls(authServer, { methods: ['POST'], paths: ['/api/v1/token/verify'] });
  accountingServer.calls(authServer, { methods: ['POST'], paths: ['/api/v1/token/verify'] });
  accountingServer.calls(configServer, { methods: ['GET'], paths: ['/api/v1/config/*'] });
  authServer.calls(configServer, { methods: ['GET'], paths: ['/api/v1/config/*'] });

  // Seed 003's route settings, kept: the retry analysis across the tier namespaces warns
  // that the outer tries give up before the inner routes' timeouts. Each is acknowledged with
  // the condition under which it is safe. (Stacked retries on POSTs, MESH661, need a caller that
  // POSTs to order-server: none does yet, its policy admitting nothing until an entry path reaches it.)
  Warnings.of(orderServer).acknowledge(Codes.RETRY_OUTER_GIVES_UP_FIRST,
    "kept from seed 003: order-server's 3s tries in front of the business tier's 10s and the system tier's 5s; safe only if ledger writes are keyed by order id");
  Warnings.of(accountingServer).acknowledge(Codes.RETRY_OUTER_GIVES_UP_FIRST,
    "kept from seed 003: the business tier's 3s tries in front of the system tier's 5s; a token check has no side effect, so a retry only costs load");

  // Seed 003's k1s0-mesh-gateway is left out: on the public ingress gateway's pods (the seed's
  // selector) its ISTIO_MUTUAL server routes nothing any mesh client calls, and what the seed
  // wants of it (canary weights, faults, mirroring, header routing) the services' VirtualServices
  // already do on the callers' sidecars (`gateways: [mesh]`).
  // Each tier is scraped and alerted on like the EC site (a PodMonitor on the sidecars' Envoy stats,
  // the mesh alerts, tracing), and each service's two pods keep one up through a drain and spread
  // over the zones (a PodDisruptionBudget, a topology spread).
  for (const tier of [system, business, service]) new ObservabilityStack(tier, 'observability', { name: 'k1s0' });
  for (const s of [authServer, configServer, accountingServer, orderServer]) new HighAvailability(s.chart, `${s.name}-availability`, { service: s });

  return { system, business, service, authServer, configServer, accountingServer, orderServer };
}
