import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { MeshChart, MeshService, RemoteCaller, Retries } from '../../index';

/** The catalog team's chart, as its own repository would build it. */
export interface CatalogTeam {
  readonly chart: MeshChart;
  /** The product catalogue's HTTP API. */
  readonly catalogApi: MeshService;
  /** Prices, over gRPC. */
  readonly pricing: MeshService;
  /** Price changes, streamed over a TCP protocol of the team's own. */
  readonly priceFeed: MeshService;
}

const IMAGE = (name: string) => `registry.example.com/catalog/${name}:2.3.0`;

/**
 * The workloads of the checkout team that the catalog team serves: named callers from
 * outside its app, their identities as the checkout team's chart writes them.
 */
export const CHECKOUT_CALLERS = {
  storefront: RemoteCaller.workload({ name: 'storefront', namespace: 'checkout' }),
  checkoutService: RemoteCaller.workload({ name: 'checkout-service', namespace: 'checkout' }),
};

/**
 * The catalog team (namespace `catalog`, dist/catalog): its catalogue API (HTTP), its pricing
 * service (gRPC) and its price feed (TCP). It admits the checkout team's callers by name, each
 * on what it uses: the storefront reads products, checkout-service asks for quotes and follows
 * the feed (a TCP connection: admitted on its port, since methods and paths never match one).
 * The checkout team's chart (./checkout.ts) calls them as RemoteServices; the flow check over
 * both folders proves every call is admitted here.
 */
export function buildCatalogTeam(scope: Construct): CatalogTeam {
  const chart = new MeshChart(scope, 'catalog', { namespace: 'catalog', partOf: 'catalog' });
  const catalogApi = new MeshService(chart, 'catalog-api', {
    image: IMAGE('catalog-api'), ports: [{ port: 80, targetPort: 8080, protocol: 'http' }],
  });
  // A quote answers within 2s (one try of 1s, retried once), inside the per-try timeout of the
  // checkout team's route in front of it (MESH660).
  const pricing = new MeshService(chart, 'pricing', {
    image: IMAGE('pricing'), ports: [{ port: 9090, protocol: 'grpc' }],
    timeout: Duration.seconds(2), retries: Retries.of({ attempts: 1, perTryTimeout: Duration.seconds(1) }),
  });
  const priceFeed = new MeshService(chart, 'price-feed', { image: IMAGE('price-feed'), ports: [{ port: 7000, protocol: 'tcp', name: 'tcp-feed' }] });
  catalogApi.admits(CHECKOUT_CALLERS.storefront, { methods: ['GET'], paths: ['/api/products/*'] });
  pricing.admits(CHECKOUT_CALLERS.checkoutService, { methods: ['POST'], paths: ['/catalog.pricing.v1.Pricing/Quote'] });
  priceFeed.admits(CHECKOUT_CALLERS.checkoutService, { port: 7000 });
  return { chart, catalogApi, pricing, priceFeed };
}
