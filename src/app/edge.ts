import { Percentage } from '../core/weight';
import { Autoscaling } from '../edge/autoscaling';
import { GlobalRateLimit } from '../edge/global-rate-limit';
import { HighAvailability } from '../edge/high-availability';
import { IngressGateway } from '../edge/ingress-gateway';
import { LocalRateLimit } from '../edge/local-rate-limit';
import { LocalityLoadBalancing } from '../edge/locality-load-balancing';
import { MeshGateway } from '../edge/mesh-gateway';
import { MeshService } from '../service/mesh-service';
import type { EcSite } from './ec-site';
import { Environment, EnvironmentName } from './environments';

/** The edge-and-scale settings of one environment. */
interface EdgeSettings {
  /** The public host of the shop. */
  readonly host: string;
  /** Most replicas per service when autoscaled; none: no autoscaler. */
  readonly maxReplicas?: number;
  /** Whether services get a PodDisruptionBudget and a zone spread (needs 2 replicas or more). */
  readonly highAvailability: boolean;
  /** Region failover of the payment and order services (seed 004's primary and DR regions). */
  readonly failover?: { from: string; to: string }[];
}

const EDGE: Record<EnvironmentName, EdgeSettings> = {
  dev: { host: 'dev.shop.example.com', highAvailability: false },
  staging: { host: 'staging.shop.example.com', maxReplicas: 6, highAvailability: true },
  // seed 004: min 3, max 50; Tokyo primary, Osaka for disaster recovery.
  production: {
    host: 'shop.example.com',
    maxReplicas: 50,
    highAvailability: true,
    failover: [{ from: 'asia-northeast1', to: 'asia-northeast2' }, { from: 'asia-northeast2', to: 'asia-northeast1' }],
  },
};

/** What {@link applyEdge} adds to the site. */
export interface EcSiteEdge {
  readonly ingress: IngressGateway;
  readonly meshGateway: MeshGateway;
  readonly searchLimit: LocalRateLimit;
  readonly userLimits: GlobalRateLimit;
  readonly autoscalers: Autoscaling[];
  readonly availability: HighAvailability[];
  readonly locality: LocalityLoadBalancing[];
}

/**
 * The EC site's edge and scale in one environment: the shop's ingress gateway in front
 * of the API gateway and the web frontend, the mesh-internal gateway, search's rate
 * limit from its capacity (seed 000: 1,000 RPS peak, limit 1,200), per-user limits at
 * the edge (30 / 10 req/s), autoscaling and disruption budgets, and region failover.
 */
export function applyEdge(site: EcSite, env: Environment): EcSiteEdge {
  const settings = EDGE[env.name];
  const { chart } = site;
  const ingress = new IngressGateway(chart, 'shop-gateway', { hosts: [settings.host], credentialName: 'shop-tls' });
  // The shop's one host: the API under /api/ (signed-in users, EdgeAuthentication), the
  // site itself, everything a browser asks for, from web-frontend.
  ingress.route(site.apiGateway, { pathPrefix: '/api/' });
  ingress.route(site.webFrontend);
  const meshGateway = new MeshGateway(chart, 'mesh-gateway', { tierNamespaces: [env.namespace] });
  const searchLimit = new LocalRateLimit(chart, 'search-rate-limit', {
    service: site.search,
    capacity: { peakRequestsPerSecond: 1000, headroom: Percentage.of(20) },
  });
  const userLimits = new GlobalRateLimit(chart, 'ec-site');

  const services: MeshService[] = [site.apiGateway, site.webFrontend, site.order, site.payment, site.inventory, site.user, site.notification, site.search];
  const autoscalers = settings.maxReplicas === undefined ? [] : services.map((s) =>
    new Autoscaling(chart, `${s.name}-autoscaling`, { service: s, minReplicas: s.replicas, maxReplicas: Math.max(settings.maxReplicas!, s.replicas) }));
  const availability = settings.highAvailability
    ? services.filter((s) => s.replicas >= 2).map((s) => new HighAvailability(chart, `${s.name}-availability`, { service: s }))
    : [];
  const locality = settings.failover
    ? [site.payment, site.order].map((s) => new LocalityLoadBalancing(chart, `${s.name}-locality`, { service: s, failover: settings.failover }))
    : [];
  return { ingress, meshGateway, searchLimit, userLimits, autoscalers, availability, locality };
}
