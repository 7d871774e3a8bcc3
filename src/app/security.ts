import { EdgeAuthentication } from '../index';
import { EcSite } from './ec-site';
import { Environment, EnvironmentName } from './environments';

/** The identity provider that signs end users' tokens, per environment. */
export const IDENTITY_PROVIDERS: Readonly<Record<EnvironmentName, { readonly issuer: string; readonly audience: string }>> = {
  dev: { issuer: 'https://auth.dev.example.com', audience: 'ec-site-dev' },
  staging: { issuer: 'https://auth.staging.example.com', audience: 'ec-site-staging' },
  production: { issuer: 'https://auth.example.com', audience: 'ec-site' },
};

/** The header api-gateway reads the signed-in user from (the token's `sub`), which GlobalRateLimit keys per-user limits by. */
export const USER_HEADER = 'x-user-id';

/** What {@link applySecurity} adds to the EC site. */
export interface EcSiteSecurity {
  /** JWT validation at api-gateway, and the rule admitting signed-in users to /api/*. */
  readonly edge: EdgeAuthentication;
}

/**
 * The EC site's security beyond the defaults every MeshChart already has (STRICT mTLS
 * mesh-wide and per namespace, allow-prometheus, allow-nothing, deny-by-default
 * NetworkPolicy, per-service policies from the call graph, payment as a SecureService):
 * end users reach api-gateway only with a token from the environment's identity provider, and
 * api-gateway learns who they are from the token's subject (`x-user-id`).
 *
 * The call graph's asynchronous edge (order-service → notification-service) is a
 * fire-and-forget HTTP POST, so it is authorized like any other call.
 */
export function applySecurity(site: EcSite, env: Environment): EcSiteSecurity {
  const idp = IDENTITY_PROVIDERS[env.name];
  const edge = new EdgeAuthentication(site.chart, 'edge-authentication', {
    service: site.apiGateway,
    issuer: idp.issuer,
    jwksUri: `${idp.issuer}/.well-known/jwks.json`,
    audiences: [idp.audience],
    paths: ['/api/*'],
    // Seed 000 limits each signed-in user (30 req/s) and anyone else (10 req/s): api-gateway learns
    // the user from the validated token's subject; the token itself goes no further.
    outputClaimToHeaders: [{ claim: 'sub', header: USER_HEADER }],
  });
  return { edge };
}
