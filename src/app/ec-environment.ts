import { Construct } from 'constructs';
import { applyCanary, EcSiteCanary } from './canary';
import { buildEcSite, EcSite } from './ec-site';
import { applyEdge, EcSiteEdge } from './edge';
import { Environment } from './environments';
import { applyObservability } from './observability';
import { ObservabilityStack } from '../index';
import { applySecurity, EcSiteSecurity } from './security';

/** One environment of the EC site with every concern applied. */
export interface EcEnvironment extends EcSite {
  /** Gateways, rate limits, autoscaling, disruption budgets and failover. */
  readonly edge: EcSiteEdge;
  /** End-user authentication at the edge (mTLS, authorization and network policy come with every service). */
  readonly security: EcSiteSecurity;
  /** order-service v2's canary in the phase this environment is at, its rollback rules, staging's fault tests. */
  readonly canary: EcSiteCanary;
  /** SLOs, alerts, burn-rate rules, dashboards and tracing. */
  readonly observability: ObservabilityStack;
}

/**
 * The EC site in one environment: its services and calls (`buildEcSite`), then each
 * concern's part, whose per-environment settings live beside it in src/app/.
 */
export function buildEcEnvironment(scope: Construct, env: Environment): EcEnvironment {
  const site = buildEcSite(scope, env);
  return {
    ...site,
    security: applySecurity(site, env),
    edge: applyEdge(site, env),
    canary: applyCanary(site, env),
    observability: applyObservability(site, env),
  };
}
