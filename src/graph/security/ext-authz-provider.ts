import { Duration } from 'cdk8s';
import { Codes } from '../../core/codes';
import { toIstioDuration } from '../../core/duration';
import { formatProblem } from '../../core/errors';

/** Options of {@link ExtAuthzProvider.grpc}. */
export interface ExtAuthzGrpcOptions {
  /** The provider's name, which CUSTOM AuthorizationPolicies name (`provider.name`). */
  readonly name: string;
  /**
   * The authorizer's Service as the mesh config names it: `<service>.<namespace>.svc.cluster.local` (a ServiceEntry's host
   * for one outside the cluster). The sidecar that asks it is the one of the workload the CUSTOM policy selects, so that
   * workload must call it (`calls(authorizer, { port })`: its Sidecar host and NetworkPolicy egress, the authorizer's ALLOW rule).
   */
  readonly service: string;
  /** The authorizer's gRPC port (Open Policy Agent's Envoy plugin: 9191). */
  readonly port: number;
  /**
   * How long the sidecar waits for the decision.
   * @default - Istio's, 600s
   */
  readonly timeout?: Duration;
  /**
   * Let a request through when the authorizer cannot be reached or fails.
   * @default false
   */
  readonly failOpen?: boolean;
}

/**
 * Options of {@link ExtAuthzProvider.http}: Istio's `envoyExtAuthzHttp`. The sidecar sends the authorizer a check request of
 * the original request's method, its path after `pathPrefix`, no body, and the original `Host`, `Authorization`, `Content-Length`
 * (0) and the headers `includeRequestHeadersInCheck` names; a 2xx answer lets the request through, any other is sent back to the
 * client as the authorizer wrote it (a 302 to the login page, a 401).
 * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#MeshConfig-ExtensionProvider-EnvoyExternalAuthorizationHttpProvider
 */
export interface ExtAuthzHttpOptions {
  /** The provider's name, which CUSTOM AuthorizationPolicies name (`provider.name`). */
  readonly name: string;
  /**
   * The authorizer's Service as the mesh config names it: `<service>.<namespace>.svc.cluster.local` (a ServiceEntry's host for one
   * outside the cluster). The workload the CUSTOM policy selects must call it on `port` with every method and path the policy
   * covers (`calls(authorizer, { port })`), since the check request carries them.
   */
  readonly service: string;
  /** The authorizer's HTTP port (oauth2-proxy: 4180). */
  readonly port: number;
  /**
   * How long the sidecar waits for the decision.
   * @default - Istio's, 600s
   */
  readonly timeout?: Duration;
  /**
   * A path put before the request's path in the check request (`/verify` sends `GET /orders` as `GET /verify/orders`); it
   * begins with `/`.
   * @default - none: the check request has the request's own path
   */
  readonly pathPrefix?: string;
  /**
   * Let a request through when the authorizer cannot be reached or fails.
   * @default false
   */
  readonly failOpen?: boolean;
  /**
   * Headers of the request sent in the check request besides `Host`, `Authorization` and `Content-Length` (oauth2-proxy's session:
   * `['cookie']`), matched case-insensitively; `x-auth-*` (a prefix) or `*-token` (a suffix) match several, `*` alone is refused by istiod.
   * @default - none
   */
  readonly includeRequestHeadersInCheck?: readonly string[];
  /**
   * Headers of the authorizer's answer set on the request sent on when it allows it (oauth2-proxy's `x-auth-request-user`,
   * `x-auth-request-email`, `authorization`); the same matching.
   * @default - none: the request goes on as it came
   */
  readonly headersToUpstreamOnAllow?: readonly string[];
  /**
   * Headers of the authorizer's answer sent back to the client when it denies the request (oauth2-proxy's `set-cookie` and
   * `content-type`; `location` of a redirect to the login page); the same matching.
   * @default - Envoy's: every header of the answer
   */
  readonly headersToDownstreamOnDeny?: readonly string[];
  /**
   * Headers added to the check request, by name, with fixed values (`{ 'x-forwarded-proto': 'https' }`).
   * @default - none
   */
  readonly includeAdditionalHeadersInCheck?: Readonly<Record<string, string>>;
}

/**
 * An external authorizer of the mesh config (`meshConfig.extensionProviders[]`, `envoyExtAuthzGrpc` or `envoyExtAuthzHttp`), which CUSTOM
 * AuthorizationPolicies delegate decisions to: `AuthorizationAction.custom(ExtAuthzProvider.grpc({...}))`. istiod knows a
 * provider only from its mesh config, and for a CUSTOM policy naming one it does not know it denies every request the policy
 * matches ("failed to process CUSTOM action ..., will generate deny configs": istio/istio
 * pilot/pkg/security/authz/builder/builder.go). So the providers the app's policies use are written to the istiod values
 * the app writes (`dist/cluster/istiod.values`), whose `extensionProviders` list replaces the install's.
 * @see https://istio.io/latest/docs/tasks/security/authorization/authz-custom/
 * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#MeshConfig-ExtensionProvider-EnvoyExternalAuthorizationGrpcProvider
 * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#MeshConfig-ExtensionProvider-EnvoyExternalAuthorizationHttpProvider
 */
export class ExtAuthzProvider {
  /** An authorizer speaking Envoy's gRPC `envoy.service.auth.v3.Authorization` (Open Policy Agent's Envoy plugin). */
  public static grpc(options: ExtAuthzGrpcOptions): ExtAuthzProvider {
    return new ExtAuthzProvider('grpc', options);
  }

  /**
   * An authorizer answering plain HTTP check requests (oauth2-proxy in front of a browser UI's OIDC login), Istio's
   * `envoyExtAuthzHttp`.
   */
  public static http(options: ExtAuthzHttpOptions): ExtAuthzProvider {
    return new ExtAuthzProvider('http', options);
  }

  /** The provider's name. */
  public readonly name: string;
  /** The protocol the sidecar asks the authorizer in: `grpc` or `http`. */
  public readonly protocol: 'grpc' | 'http';
  /** The authorizer's host, as the mesh config names it. */
  public readonly service: string;
  /** The authorizer's port. */
  public readonly port: number;
  /** The path put before the request's path in an HTTP check request; undefined for none (and for gRPC). */
  public readonly pathPrefix?: string;

  private constructor(protocol: 'grpc' | 'http', private readonly options: ExtAuthzGrpcOptions | ExtAuthzHttpOptions) {
    this.protocol = protocol;
    this.name = options.name;
    this.service = options.service;
    this.port = options.port;
    this.pathPrefix = protocol === 'http' ? (options as ExtAuthzHttpOptions).pathPrefix : undefined;
  }

  /** The provider as `meshConfig.extensionProviders[]` takes it. */
  public toMeshConfig(): Record<string, unknown> {
    const o = this.options;
    const common = {
      service: o.service,
      port: o.port,
      ...(o.timeout ? { timeout: toIstioDuration(o.timeout) } : {}),
    };
    if (this.protocol === 'grpc') {
      return { name: o.name, envoyExtAuthzGrpc: { ...common, ...(o.failOpen !== undefined ? { failOpen: o.failOpen } : {}) } };
    }
    const h = o as ExtAuthzHttpOptions;
    const list = (field: string, v?: readonly string[]) => (v && v.length > 0 ? { [field]: [...v] } : {});
    const extra = h.includeAdditionalHeadersInCheck ?? {};
    return {
      name: o.name,
      envoyExtAuthzHttp: {
        ...common,
        ...(h.pathPrefix !== undefined ? { pathPrefix: h.pathPrefix } : {}),
        ...(h.failOpen !== undefined ? { failOpen: h.failOpen } : {}),
        ...list('includeRequestHeadersInCheck', h.includeRequestHeadersInCheck),
        ...list('headersToUpstreamOnAllow', h.headersToUpstreamOnAllow),
        ...list('headersToDownstreamOnDeny', h.headersToDownstreamOnDeny),
        ...(Object.keys(extra).length > 0 ? { includeAdditionalHeadersInCheck: { ...extra } } : {}),
      },
    };
  }

  /**
   * The request the sidecar sends the authorizer for a request of `method` and `path`: gRPC's Check call, or for HTTP the same
   * method on `pathPrefix` + `path` (Envoy forwards the original method: envoyproxy/envoy ext_authz `HttpService`).
   * @internal
   */
  public _checkRequest(method: string, path: string): { readonly protocol: 'GRPC' | 'HTTP'; readonly method: string; readonly path: string } {
    if (this.protocol === 'grpc') return { protocol: 'GRPC', method: 'POST', path: '/envoy.service.auth.v3.Authorization/Check' };
    return { protocol: 'HTTP', method, path: `${this.pathPrefix ?? ''}${path}` };
  }

  /**
   * What is wrong with the provider's settings, each a formatted problem naming its field (MESH232).
   * @internal
   */
  public _problems(): string[] {
    const o = this.options;
    const bad = (field: string, message: string) => formatProblem(Codes.EXT_AUTHZ_PROVIDER_UNKNOWN, `provider.${field}: ${message}`);
    const out: string[] = [];
    if (o.name.trim() === '') out.push(bad('name', 'a provider needs a name'));
    const host = /^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
    if (!host.test(o.service)) out.push(bad('service', `'${o.service}' is not a host name`));
    if (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535) out.push(bad('port', `${o.port} is not a port`));
    if (this.protocol === 'http') out.push(...httpProblems(o as ExtAuthzHttpOptions, bad));
    return out;
  }
}

/**
 * What istiod refuses of an HTTP provider's settings (istio/istio pkg/config/validation/agent/extensionprovider.go,
 * `ValidateExtensionProviderEnvoyExtAuthzHTTP`, and pilot/pkg/security/authz/builder/extauthz.go, `buildExtAuthzHTTP`), for which
 * it drops the provider and a CUSTOM policy naming it denies every request it matches; and header names Envoy would never match.
 */
function httpProblems(o: ExtAuthzHttpOptions, bad: (field: string, message: string) => string): string[] {
  const out: string[] = [];
  if (o.pathPrefix !== undefined && (!o.pathPrefix.startsWith('/') || /[\s?#]/.test(o.pathPrefix))) {
    out.push(bad('pathPrefix', `'${o.pathPrefix}' is not a path: it begins with '/' and holds no space, '?' or '#'`));
  }
  const token = /^[!#$%&'*+.^_`|~0-9a-z-]+$/i;
  const lists: [string, readonly string[] | undefined][] = [
    ['includeRequestHeadersInCheck', o.includeRequestHeadersInCheck],
    ['headersToUpstreamOnAllow', o.headersToUpstreamOnAllow],
    ['headersToDownstreamOnDeny', o.headersToDownstreamOnDeny],
  ];
  for (const [field, headers] of lists) {
    (headers ?? []).forEach((h, i) => {
      if (h === '*') {
        out.push(bad(`${field}[${i}]`, "'*' alone is refused by istiod: name the headers, or a prefix ('x-auth-*') or suffix ('*-token')"));
      } else if (!token.test(h) || h.slice(1, -1).includes('*')) {
        out.push(bad(`${field}[${i}]`, `'${h}' is not a header name (a '*' only at its start or end)`));
      }
    });
  }
  for (const [h, v] of Object.entries(o.includeAdditionalHeadersInCheck ?? {})) {
    if (!token.test(h) || h.includes('*')) out.push(bad(`includeAdditionalHeadersInCheck.${h}`, `'${h}' is not a header name`));
    if (/[\r\n]/.test(v)) out.push(bad(`includeAdditionalHeadersInCheck.${h}`, 'a header value holds no line break'));
  }
  return out;
}
