/**
 * istiod's webhook check of one RequestAuthentication JWT rule: a port of istio/istio
 * pkg/config/validation/validation.go (validateJwtRule, ValidateStrictHTTPHeaderName; 1.30's
 * warnPrivateJwksKeys) and pkg/config/security/security.go (ParseJwksURI). Istio 1.24 requires an
 * issuer; 1.30 an issuer or a jwksUri, accepts `_` in an output header name, and warns about
 * private key material in an inline JWKS.
 * @see https://istio.io/latest/docs/reference/config/security/jwt/#JWTRule
 */
import { Codes } from '../../core/codes';
import { IstioVersion } from '../../core/istio-version';
import type { Report } from './report';
import { duration } from './traffic-policy';
import { list, obj, str } from '../values';

/** security.ParseJwksURI: Go's url.Parse accepts it, the scheme is http or https, a port is a number. */
export function jwksUriProblem(uri: string): string | undefined {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(uri)?.[1]?.toLowerCase() ?? '';
  // url.Parse refuses control characters anywhere, and a port that is not digits.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(uri)) return `parse ${JSON.stringify(uri)}: net/url: invalid control character in URL`;
  const authority = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([^/?#]*)/.exec(uri)?.[1] ?? '';
  const hostport = authority.slice(authority.lastIndexOf('@') + 1);
  const colon = hostport.lastIndexOf(':');
  if (colon >= 0 && colon > hostport.lastIndexOf(']') && !/^[0-9]*$/.test(hostport.slice(colon + 1))) {
    return `parse ${JSON.stringify(uri)}: invalid port ${JSON.stringify(hostport.slice(colon))} after host`;
  }
  if (scheme !== 'http' && scheme !== 'https') return `URI scheme ${JSON.stringify(scheme)} is not supported`;
  return undefined;
}

/** The members each key type needs (RFC 7518 section 6; lestrrat-go/jwx v1, jwk.Parse). */
const KEY_MEMBERS: Record<string, readonly string[]> = { RSA: ['n', 'e'], EC: ['crv', 'x', 'y'], OKP: ['crv', 'x'], oct: ['k'] };

/**
 * What lestrrat-go/jwx's jwk.Parse refuses in an inline JWKS: not JSON, not a key or `{"keys": [...]}`,
 * a key without a known `kty` or without the members its type needs. The keys that hold private
 * material (a `d`, or a symmetric key) are returned for 1.30's warning.
 */
export function jwksProblem(jwks: string): { error?: string; privateKeys: number[] } {
  let doc: unknown;
  try {
    doc = JSON.parse(jwks);
  } catch (e) {
    return { error: `jwks parse error: ${(e as Error).message}`, privateKeys: [] };
  }
  const o = obj(doc);
  if (!o) return { error: 'jwks parse error: a JWK set or a JWK must be a JSON object', privateKeys: [] };
  const keys = Array.isArray(o.keys) ? o.keys : o.keys === undefined ? [o] : undefined;
  if (!keys) return { error: 'jwks parse error: "keys" must be a list of JWKs', privateKeys: [] };
  const privateKeys: number[] = [];
  for (const [i, raw] of keys.entries()) {
    const key = obj(raw);
    if (!key) return { error: `jwks parse error: key ${i} is not a JSON object`, privateKeys };
    const kty = str(key.kty);
    const members = KEY_MEMBERS[kty];
    if (!members) return { error: `jwks parse error: key ${i}: invalid key type ${JSON.stringify(kty)}`, privateKeys };
    const missing = members.find((m) => typeof key[m] !== 'string' || key[m] === '');
    if (missing) return { error: `jwks parse error: key ${i} (${kty}): required field ${missing} is missing`, privateKeys };
    if (kty === 'oct' || typeof key.d === 'string') privateKeys.push(i);
  }
  return { privateKeys };
}

/** validateJwtRule. */
export function jwtRule(raw: unknown, at: string, report: Report, version: IstioVersion): void {
  const rule = obj(raw);
  if (!rule) return;
  const fail = (field: string, message: string) => report(Codes.INVALID_JWT_RULE, field, message);
  const [issuer, jwksUri] = [str(rule.issuer), str(rule.jwksUri)];
  if (version === '1.24' && issuer === '') fail(`${at}.issuer`, 'issuer must be set');
  list(rule.audiences).forEach((a, i) => { if (str(a) === '') fail(`${at}.audiences[${i}]`, 'audience must be non-empty string'); });
  if (version !== '1.24' && issuer === '' && jwksUri === '') fail(at, 'issuer or jwksUri must be non-empty string');
  if (jwksUri !== '') {
    const p = jwksUriProblem(jwksUri);
    if (p) fail(`${at}.jwksUri`, p);
  }
  if (str(rule.jwks) !== '') {
    const { error, privateKeys } = jwksProblem(str(rule.jwks));
    if (error) fail(`${at}.jwks`, error);
    if (version !== '1.24') {
      for (const i of privateKeys) {
        report(Codes.WEBHOOK_WARNING, `${at}.jwks`,
          `jwks key at index ${i} contains private key material; only public keys are used for verification`, 'warning');
      }
    }
  }
  list(rule.fromHeaders).forEach((h, i) => {
    if (!obj(h)) fail(`${at}.fromHeaders[${i}]`, 'location header name must be non-null');
    else if (str(obj(h)!.name) === '') fail(`${at}.fromHeaders[${i}].name`, 'location header name must be non-empty string');
  });
  list(rule.fromParams).forEach((p, i) => { if (str(p) === '') fail(`${at}.fromParams[${i}]`, 'location query must be non-empty string'); });
  list(rule.fromCookies).forEach((c, i) => { if (str(c) === '') fail(`${at}.fromCookies[${i}]`, 'cookie name must be non-empty string'); });
  // ValidateStrictHTTPHeaderName: letters, digits and `-` (1.30 also `_`).
  const strict = version === '1.24' ? /^[-A-Za-z0-9]+$/ : /^[-_A-Za-z0-9]+$/;
  list(rule.outputClaimToHeaders).forEach((raw2, i) => {
    const c = obj(raw2);
    const field = `${at}.outputClaimToHeaders[${i}]`;
    if (!c) { fail(field, 'outputClaimToHeaders must not be null'); return; }
    if (str(c.claim) === '' || str(c.header) === '') { fail(field, 'outputClaimToHeaders header and claim value must be non-empty string'); return; }
    if (!strict.test(str(c.header))) report(Codes.HEADER_REJECTED, `${field}.header`, `header name ${str(c.header)} is not a valid header name`);
  });
  duration(rule.timeout, `${at}.timeout`, report);
}
