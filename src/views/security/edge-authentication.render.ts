import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';
import { RequestAuthentication, RequestAuthenticationSpec } from '../../../imports/security.istio.io';
import { lazyWithoutUnset } from '../../private/defined';

/**
 * The RequestAuthentication of an `EdgeAuthentication` (and of a GlobalRateLimit keyed by a claim), built at synth.
 */

/** A RequestAuthentication with one JWT rule, as EdgeAuthentication and GlobalRateLimit (a limit keyed by a claim) each render it. */
export interface RequestAuthenticationShape {
  /** The selected pods' labels. */
  readonly selector: Readonly<Record<string, string>>;
  /** The issuer. */
  readonly issuer: string;
  /** The signing keys' URL. */
  readonly jwksUri: string;
  /** The audiences a token must name; none for any. */
  readonly audiences?: readonly string[];
  /** Whether the token is forwarded. */
  readonly forwardOriginalToken: boolean;
  /** Claims copied to request headers. */
  readonly outputClaimToHeaders?: readonly { readonly claim: string; readonly header: string }[];
  /** Rules for other issuers, after the first, forwarding as it does. */
  readonly otherIssuers?: readonly { readonly issuer: string; readonly jwksUri: string; readonly audiences?: readonly string[] }[];
}

/**
 * The spec of a RequestAuthentication with one JWT rule (and one a further issuer, `otherIssuers`).
 * @see https://istio.io/latest/docs/reference/config/security/request_authentication/
 * @see https://istio.io/latest/docs/reference/config/security/jwt/#JWTRule
 */
export function renderRequestAuthenticationSpec(s: RequestAuthenticationShape): RequestAuthenticationSpec {
  return {
    selector: { matchLabels: { ...s.selector } },
    jwtRules: [{
      issuer: s.issuer,
      jwksUri: s.jwksUri,
      audiences: s.audiences ? [...s.audiences] : undefined,
      forwardOriginalToken: s.forwardOriginalToken,
      outputClaimToHeaders: s.outputClaimToHeaders?.length ? s.outputClaimToHeaders.map((c) => ({ header: c.header, claim: c.claim })) : undefined,
    }, ...(s.otherIssuers ?? []).map((o) => ({
      issuer: o.issuer,
      jwksUri: o.jwksUri,
      audiences: o.audiences ? [...o.audiences] : undefined,
      forwardOriginalToken: s.forwardOriginalToken,
    }))],
  };
}

/** A RequestAuthentication (security.istio.io/v1) under `scope`, its spec read at synth. */
export function addRequestAuthentication(
  scope: Construct,
  id: string,
  metadata: ApiObjectMetadata,
  state: () => RequestAuthenticationShape,
): ApiObject {
  return new RequestAuthentication(scope, id, { metadata, spec: lazyWithoutUnset(() => renderRequestAuthenticationSpec(state())) });
}
