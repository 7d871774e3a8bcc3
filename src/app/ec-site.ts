import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import {
  ExternalService, LoadBalancer, MeshChart, MeshService, MeshServiceProps, NON_IDEMPOTENT_RETRY_ON, Retries, SecureService,
  Tier, TlsOrigination, WarningCode, Warnings,
} from '../index';
import { ACKNOWLEDGED_WARNINGS } from './acknowledged-warnings';
import { Environment } from './environments';

/** The services of the EC site, by the names seed 000 gives them. */
export interface EcSite {
  readonly chart: MeshChart;
  readonly apiGateway: MeshService;
  readonly webFrontend: MeshService;
  readonly order: MeshService;
  readonly payment: MeshService;
  /** The payment provider's API, outside the mesh. */
  readonly paymentProvider: ExternalService;
  readonly inventory: MeshService;
  readonly user: MeshService;
  readonly notification: MeshService;
  readonly search: MeshService;
}

const IMAGE_REGISTRY = 'registry.example.com/ec-site';

/** Seed 000's health paths: `GET /health/*` is open to every source. */
const HEALTH = '/health';

/**
 * The EC site of seed 000 in one environment: its eight services with the traffic
 * rules of Missions 1 and 2, and the call graph of its diagram.
 */
export function buildEcSite(scope: Construct, env: Environment): EcSite {
  const chart = new MeshChart(scope, env.name, { namespace: env.namespace, partOf: 'ec-site', production: env.production });
  // Seed 000's services answer health checks under /health (its AuthorizationPolicy opens GET
  // /health/* to every source): readiness at /health/ready, liveness at /health/live.
  const service = (name: string, props: Omit<MeshServiceProps, 'image' | 'replicas'>) =>
    new MeshService(chart, name, {
      image: `${IMAGE_REGISTRY}/${name}:1.0.0`,
      replicas: env.replicasFor[name] ?? env.replicas,
      healthCheckPath: HEALTH,
      ...props,
    });

  // The edge in front of order (15s), user (10s) and search (3s): its route must not give up
  // before theirs (MESH660) nor retry a POST that already reached them (MESH661), so it waits
  // as long as the slowest route behind it and retries only what never left it.
  const apiGateway = service('api-gateway', {
    tier: Tier.SYSTEM,
    timeout: Duration.seconds(15),
    retries: Retries.of({ attempts: 2, perTryTimeout: Duration.seconds(15), retryOn: [...NON_IDEMPOTENT_RETRY_ON] }),
  });
  // The site's pages behind the ingress, which admits every method from the gateway: retry
  // only what never reached it (MESH662).
  const webFrontend = service('web-frontend', { tier: Tier.SYSTEM, retries: Retries.of({ retryOn: [...NON_IDEMPOTENT_RETRY_ON] }) });

  // Mission 1 and 2: canary subsets, retries and timeouts tuned for order processing.
  const order = service('order-service', {
    tier: Tier.SERVICE,
    loadBalancer: LoadBalancer.roundRobin(),
    connectionPool: { tcp: { maxConnections: 200 }, http: { http1MaxPendingRequests: 100, http2MaxRequests: 500 } },
    outlierDetection: { consecutive5xxErrors: 5, interval: Duration.seconds(30), baseEjectionTime: Duration.seconds(30), maxEjectionPercent: 30 },
    timeout: Duration.seconds(15),
    retries: Retries.of({ attempts: 3, perTryTimeout: Duration.seconds(5), retryOn: ['5xx', 'reset', 'connect-failure', 'retriable-4xx'] }),
  });

  // Payment: a strict circuit breaker, and no retry on 5xx (a retried charge may be a double charge).
  const payment = new SecureService(chart, 'payment-service', {
    image: `${IMAGE_REGISTRY}/payment-service:1.0.0`,
    healthCheckPath: HEALTH,
    replicas: env.replicasFor['payment-service'] ?? env.replicas,
    tier: Tier.SERVICE,
    loadBalancer: LoadBalancer.leastRequest(),
    connectionPool: { tcp: { maxConnections: 50 }, http: { http1MaxPendingRequests: 50, http2MaxRequests: 100, maxRetries: 2 } },
    outlierDetection: { consecutive5xxErrors: 3, interval: Duration.seconds(10), baseEjectionTime: Duration.seconds(60), maxEjectionPercent: 50 },
    timeout: Duration.seconds(30),
    retries: Retries.of({ attempts: 1, perTryTimeout: Duration.seconds(25), retryOn: ['reset', 'connect-failure'] }),
  });

  // Search: high throughput (1,000 RPS at peak), fast answers.
  const search = service('search-service', {
    tier: Tier.BUSINESS,
    loadBalancer: LoadBalancer.roundRobin(),
    connectionPool: { tcp: { maxConnections: 500 }, http: { http1MaxPendingRequests: 200, http2MaxRequests: 2000 } },
    outlierDetection: { consecutive5xxErrors: 5, interval: Duration.seconds(15), baseEjectionTime: Duration.seconds(15), maxEjectionPercent: 20 },
    timeout: Duration.seconds(3),
    retries: Retries.of({ attempts: 2, perTryTimeout: Duration.seconds(1), retryOn: ['5xx', 'reset', 'connect-failure'] }),
  });

  // User: seed 000's "standard settings" (10s, 3 x 3s on 5xx,reset,connect-failure), kept as the
  // seed writes them although api-gateway POSTs to it (acknowledged: MESH111, MESH662).
  const user = service('user-service', { tier: Tier.BUSINESS, retries: Retries.of({ retryOn: ['5xx', 'reset', 'connect-failure'] }) });
  // Seed 000's retries stay for reads; a POST or PATCH to order or user is retried only when it never
  // reached them (a route of their own, `writes`), each try as long as the route (a write cut short
  // answers 504 while it is still being applied), so one POST reaches payment at most twice end to end
  // (payment's own seed retry on reset) instead of (1 + 3) × (1 + 1) = 8 times.
  for (const s of [order, user]) {
    s.traffic.setWriteRetries(s, Retries.of({ perTryTimeout: s.policy.timeout, retryOn: [...NON_IDEMPOTENT_RETRY_ON] }));
  }
  const inventory = service('inventory-service', { tier: Tier.BUSINESS });
  const notification = service('notification-service', { tier: Tier.BUSINESS });

  const paymentProvider = callGraph(chart, { apiGateway, order, user, search, payment, inventory, notification });
  acknowledgeSeedWarnings([apiGateway, webFrontend, order, payment, inventory, user, notification, search]);

  return { chart, apiGateway, webFrontend, order, payment, paymentProvider, inventory, user, notification, search };
}

/** The services that call or are called in seed 000's diagram. */
type CallingServices = Record<'apiGateway' | 'order' | 'user' | 'search' | 'payment' | 'inventory' | 'notification', MeshService>;

/** The call graph of seed 000's diagram, and payment's provider outside the mesh (returned). */
function callGraph(chart: MeshChart, s: CallingServices): ExternalService {
  const { apiGateway, order, user, search, payment, inventory, notification } = s;
  apiGateway.calls(order, { methods: ['GET', 'POST'], paths: ['/api/orders/*'] });
  apiGateway.calls(user, { methods: ['GET', 'POST'], paths: ['/api/users/*'] });
  apiGateway.calls(search, { methods: ['GET'], paths: ['/api/search/*'] });
  order.calls(payment, { methods: ['POST'], paths: ['/api/payments/*', '/api/refunds/*'] });
  order.calls(inventory, { methods: ['GET', 'POST'], paths: ['/api/inventory/*'] });
  order.calls(notification, { methods: ['POST'], paths: ['/api/notifications/*'], asynchronous: true });
  search.calls(inventory, { methods: ['GET'], paths: ['/api/inventory/*'] });

  // Payment's provider, outside the mesh: payment-service sends plain HTTP to port 80 and its
  // sidecar originates TLS to the provider's 443, verified against the proxy's CA bundle, so
  // the call works under outboundTrafficPolicy REGISTRY_ONLY.
  // https://istio.io/latest/docs/tasks/traffic-management/egress/egress-tls-origination/
  // Its API sits behind a CDN, whose addresses are not the provider's to publish and change: payment-service's
  // NetworkPolicy lets 443 out to any address on purpose (anyAddress), and its sidecar, under REGISTRY_ONLY, sends only to
  // this host, whose certificate it verifies.
  const paymentProvider = new ExternalService(chart, 'payment-provider', {
    hosts: ['api.payment-provider.example'],
    ports: [{ number: 80, protocol: 'HTTP', targetPort: 443 }],
    anyAddress: true,
    tls: TlsOrigination.simple({ port: 80, caCertificates: '/etc/ssl/certs/ca-certificates.crt' }),
  });
  payment.calls(paymentProvider, { port: 80, methods: ['POST'], paths: ['/v1/charges', '/v1/refunds'] });
  return paymentProvider;

}

/** Acknowledges the warnings the EC site keeps on purpose (ACKNOWLEDGED_WARNINGS), each on the service whose route causes it. */
function acknowledgeSeedWarnings(services: readonly MeshService[]): void {
  // The warnings the EC site keeps on purpose (seed 000's retry values), each acknowledged on
  // the service whose route causes it, with its reason, so that synth lists them in one line.
  const byName = new Map(services.map((x) => [x.name, x]));
  for (const [key, reason] of Object.entries(ACKNOWLEDGED_WARNINGS)) {
    const [code, resource] = key.split(' ');
    Warnings.of(byName.get(resource)!).acknowledge(code as WarningCode, reason);
  }

}
