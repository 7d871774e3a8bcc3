import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { MeshChart, MeshService, NON_IDEMPOTENT_RETRY_ON, RemoteService, Retries } from '../../index';

/** The checkout team's chart, as its own repository would build it. */
export interface CheckoutTeam {
  readonly chart: MeshChart;
  readonly storefront: MeshService;
  readonly checkoutService: MeshService;
  /** The catalog team's services, as this team declares them. */
  readonly catalog: { readonly catalogApi: RemoteService; readonly pricing: RemoteService; readonly priceFeed: RemoteService };
}

const IMAGE = (name: string) => `registry.example.com/checkout/${name}:1.8.1`;

/**
 * The checkout team (namespace `checkout`, dist/checkout): its storefront and checkout service,
 * and the catalog team's services it calls, declared as RemoteServices (another repository
 * synthesizes them: ./catalog.ts stands for it). Its synth writes the caller's side of each call
 * and records the calls in `checkout-remote-calls` (format remote-calls/v1); its own synth proves
 * the caller's side, and `cdk8s-mesh-validate dist/checkout dist/catalog` proves the catalog
 * team admits each call.
 */
export function buildCheckoutTeam(scope: Construct): CheckoutTeam {
  const chart = new MeshChart(scope, 'checkout', { namespace: 'checkout', partOf: 'checkout' });
  // The storefront POSTs orders to checkout-service (15s): its own route waits as long and
  // retries only what never reached it (MESH660, MESH661), as the EC site's api-gateway does.
  const storefront = new MeshService(chart, 'storefront', {
    image: IMAGE('storefront'),
    timeout: Duration.seconds(15),
    retries: Retries.of({ attempts: 2, perTryTimeout: Duration.seconds(15), retryOn: [...NON_IDEMPOTENT_RETRY_ON] }),
  });
  const checkoutService = new MeshService(chart, 'checkout-service', { image: IMAGE('checkout-service') });
  const catalog = {
    catalogApi: new RemoteService(chart, 'catalog-api', { namespace: 'catalog', ports: [{ port: 80, targetPort: 8080, protocol: 'http' }] }),
    pricing: new RemoteService(chart, 'pricing', { namespace: 'catalog', ports: [{ port: 9090, protocol: 'grpc' }] }),
    priceFeed: new RemoteService(chart, 'price-feed', { namespace: 'catalog', ports: [{ port: 7000, protocol: 'tcp', name: 'tcp-feed' }] }),
  };
  storefront.calls(checkoutService, { methods: ['POST'], paths: ['/api/checkout/*'] });
  storefront.calls(catalog.catalogApi, { methods: ['GET'], paths: ['/api/products/*'] });
  checkoutService.calls(catalog.pricing, { methods: ['POST'], paths: ['/catalog.pricing.v1.Pricing/Quote'] });
  checkoutService.calls(catalog.priceFeed, { asynchronous: true });
  return { chart, storefront, checkoutService, catalog };
}
