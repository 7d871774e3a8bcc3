import { Codes } from '../../core/codes';
import { MeshError } from '../../core/errors';
import { isHeaderName } from '../../core/http';

/** What identifies a user to a global rate limit, in one of its shapes. */
export type RateLimitUserKey =
  | {
    readonly kind: 'jwtClaim';
    /** The claim whose value is the user (`sub`). */
    readonly claim: string;
    /** The token's issuer (`iss`). */
    readonly issuer: string;
    /** Where its signing keys are published. */
    readonly jwksUri: string;
    /** The audiences a token must name; none for any. */
    readonly audiences?: readonly string[];
    /** Other issuers whose tokens the gateway validates too, their `claim` keying the limit alike. */
    readonly otherIssuers?: readonly RateLimitTokenIssuer[];
  }
  | {
    readonly kind: 'header';
    /** The request header whose value is the user. */
    readonly header: string;
  };

/** An issuer of tokens the gateway validates: its `iss` and signing keys. */
export interface RateLimitTokenIssuer {
  /** The token's issuer (`iss`), as the identity provider writes it. */
  readonly issuer: string;
  /** The URL of the issuer's signing keys (https). */
  readonly jwksUri: string;
  /**
   * The audiences a token must name.
   * @default - any audience
   */
  readonly audiences?: string[];
}

/** Options for {@link RateLimitUser.jwtClaim}. */
export interface RateLimitJwtClaimOptions {
  /** The token's issuer (`iss`), as the identity provider writes it. */
  readonly issuer: string;
  /** The URL of the issuer's signing keys (https). */
  readonly jwksUri: string;
  /**
   * The audiences a token must name.
   * @default - any audience
   */
  readonly audiences?: string[];
  /**
   * The claim whose value identifies the user.
   * @default 'sub'
   */
  readonly claim?: string;
  /**
   * Other issuers whose tokens clients send through the gateway (machine clients beside tenant
   * users, say), validated there too and keyed by the same `claim`. Once a RequestAuthentication
   * applies to the gateway's pods, a token of an issuer none of them names is refused there with
   * 401 "Jwt issuer is not configured" (Envoy's jwt_authn answers JwtUnknownIssuer, which
   * istiod's `allow_missing` does not admit), whatever the service behind would accept: the flows
   * through the gateway signed in with such a token fail synth (MESH600).
   * @default - none: only `issuer`'s tokens pass the gateway
   * @see https://istio.io/latest/docs/reference/config/security/request_authentication/
   */
  readonly otherIssuers?: RateLimitTokenIssuer[];
}

/**
 * Who a request is, to a per-user global rate limit (seed 000: "ユーザー別レート制限: 1ユーザーあたり
 * 30 RPS", authenticated users by their id, others by client address):
 *
 * - `jwtClaim`: a claim of the request's validated JWT. The gateway validates the token itself (a
 *   RequestAuthentication on its pods, which forwards the token on), and the descriptor is read
 *   from the payload Envoy's jwt_authn filter stores (Istio writes it under `payload`), so a
 *   client cannot choose its user: a forged token is refused with 401, a missing one counts as
 *   unauthenticated.
 * - `header`: a request header, for a header something in front of the gateway sets (a CDN or
 *   an ingress controller that authenticates). The gateway cannot tell it from one the client
 *   sent, so synth warns (MESH652) unless that is acknowledged with its reason (in a MeshApp on
 *   the cluster chart, `Warnings.of(MeshCluster.lookup(app)!)`, which writes the gateway's filter).
 *
 * @see https://github.com/istio/istio/blob/1.24.6/pilot/pkg/security/authn/policy_applier.go (PayloadInMetadata: "payload")
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-ratelimit-action-metadata
 */
export class RateLimitUser {
  /** A claim of the request's JWT, validated at the gateway. */
  public static jwtClaim(options: RateLimitJwtClaimOptions): RateLimitUser {
    const claim = options.claim ?? 'sub';
    if (!/^[A-Za-z0-9_.:-]+$/.test(claim)) {
      throw new MeshError(Codes.RATE_LIMIT_INVALID, `RateLimitUser.jwtClaim: claim '${claim}' is not a claim name`);
    }
    const others = options.otherIssuers ?? [];
    [options, ...others].forEach((o, i) => {
      const field = i === 0 ? '' : `otherIssuers[${i - 1}].`;
      if (o.issuer === '') throw new MeshError(Codes.INVALID_JWT_RULE, `RateLimitUser.jwtClaim: ${field}issuer must not be empty`);
      if (!/^https:\/\/\S+$/.test(o.jwksUri)) {
        throw new MeshError(Codes.INVALID_JWT_RULE, `RateLimitUser.jwtClaim: ${field}jwksUri must be an https URL, got '${o.jwksUri}'`);
      }
    });
    const issuers = [options.issuer, ...others.map((o) => o.issuer)];
    const twice = issuers.find((iss, i) => issuers.indexOf(iss) !== i);
    if (twice !== undefined) throw new MeshError(Codes.INVALID_JWT_RULE, `RateLimitUser.jwtClaim: issuer '${twice}' is given twice`);
    const copy = (o: RateLimitTokenIssuer) => ({ issuer: o.issuer, jwksUri: o.jwksUri, ...(o.audiences ? { audiences: [...o.audiences] } : {}) });
    return new RateLimitUser({
      kind: 'jwtClaim', claim, ...copy(options),
      ...(others.length > 0 ? { otherIssuers: others.map(copy) } : {}),
    });
  }

  /** A request header, which the gateway takes as it arrives (MESH652). */
  public static header(name: string): RateLimitUser {
    if (!isHeaderName(name)) throw new MeshError(Codes.RATE_LIMIT_INVALID, `RateLimitUser.header: '${name}' must be a lowercase HTTP header name`);
    return new RateLimitUser({ kind: 'header', header: name });
  }

  private constructor(
    /** What identifies the user. */
    public readonly key: RateLimitUserKey,
  ) {}
}
