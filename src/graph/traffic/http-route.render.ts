/**
 * The pieces of a VirtualService HTTP route that every route renders the same way,
 * whether it belongs to a mesh host (host-traffic.render.ts) or to a gateway-only
 * VirtualService (views/edge/gateway-route.render.ts): match, actions, retries, fault.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute
 */
import { VirtualServiceSpecHttp, VirtualServiceSpecHttpMatch, VirtualServiceSpecHttpRoute } from '../../../imports/networking.istio.io';
import { toIstioDuration } from '../../core/duration';
import { StringMatch } from '../../core/http';
import { Retries } from '../../core/retries';
import type {
  CorsPolicyOptions, FaultInjection, HeaderOperationsOptions, HeadersOptions, HttpMatchOptions, HttpRouteOptions, RouteDestinationOptions,
} from './http-route';

/** The fields of a route that answer or change the request: rewrite, redirect, direct response, CORS, headers. */
export type RouteActions = Pick<HttpRouteOptions, 'rewrite' | 'redirect' | 'directResponse' | 'corsPolicy' | 'headers'>;

/** A route's rewrite, redirect, direct response, CORS policy and header changes. */
export function renderActions(r: RouteActions): Pick<VirtualServiceSpecHttp, 'rewrite' | 'redirect' | 'directResponse' | 'corsPolicy' | 'headers'> {
  return {
    rewrite: r.rewrite
      ? {
          uri: r.rewrite.uri,
          authority: r.rewrite.authority,
          uriRegexRewrite: r.rewrite.uriRegexRewrite ? { ...r.rewrite.uriRegexRewrite } : undefined,
        }
      : undefined,
    redirect: r.redirect
      ? {
          uri: r.redirect.uri,
          authority: r.redirect.authority,
          scheme: r.redirect.scheme,
          port: r.redirect.port,
          redirectCode: r.redirect.redirectCode,
        }
      : undefined,
    directResponse: r.directResponse
      ? { status: r.directResponse.status, body: r.directResponse.body !== undefined ? { string: r.directResponse.body } : undefined }
      : undefined,
    corsPolicy: r.corsPolicy ? renderCors(r.corsPolicy) : undefined,
    headers: r.headers ? renderGivenHeaders(r.headers) : undefined,
  };
}

function renderCors(c: CorsPolicyOptions): VirtualServiceSpecHttp['corsPolicy'] {
  return {
    allowOrigins: c.allowOrigins.map(renderString),
    allowMethods: c.allowMethods ? [...c.allowMethods] : undefined,
    allowHeaders: c.allowHeaders ? [...c.allowHeaders] : undefined,
    exposeHeaders: c.exposeHeaders ? [...c.exposeHeaders] : undefined,
    maxAge: c.maxAge ? toIstioDuration(c.maxAge) : undefined,
    allowCredentials: c.allowCredentials,
  };
}

/**
 * Istio's form of header changes; `remove` are request headers removed on top of `h`'s (a gateway's removal of headers set from a
 * validated token), written after them, each once.
 */
export function renderHeaders(h: HeadersOptions | undefined, remove: readonly string[] = []): VirtualServiceSpecHttp['headers'] {
  if (!h && remove.length === 0) return undefined;
  const request = h?.request ?? {};
  const removed = [...new Set([...(request.remove ?? []), ...remove])];
  return renderGivenHeaders({ ...h, request: { ...request, remove: removed.length > 0 ? removed : undefined } });
}

function renderGivenHeaders(h: HeadersOptions): VirtualServiceSpecHttp['headers'] {
  const ops = (o: HeaderOperationsOptions | undefined) => o ? {
    set: o.set ? { ...o.set } : undefined,
    add: o.add ? { ...o.add } : undefined,
    remove: o.remove ? [...o.remove] : undefined,
  } : undefined;
  return { request: ops(h.request), response: ops(h.response) };
}

/** Istio's form of a retry policy; undefined leaves Istio's default. The policy renders itself. */
export function renderRetries(r: Retries | undefined): VirtualServiceSpecHttp['retries'] {
  return r?._toIstio();
}

/** Istio's form of a fault injection; undefined when there is none. */
export function renderFault(f: FaultInjection | undefined): VirtualServiceSpecHttp['fault'] {
  if (!f) return undefined;
  return {
    delay: f.delay ? { fixedDelay: toIstioDuration(f.delay.fixedDelay), percentage: { value: f.delay.percentage.value } } : undefined,
    abort: f.abort ? { httpStatus: f.abort.httpStatus, percentage: { value: f.abort.percentage.value } } : undefined,
  };
}

/** One match of a route, with Istio's field names. */
export function renderMatch(m: HttpMatchOptions): VirtualServiceSpecHttpMatch {
  const headers = m.headers ? Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, renderString(v)])) : undefined;
  const map = (x: Record<string, StringMatch> | undefined) =>
    x ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k, renderString(v)])) : undefined;
  return {
    headers,
    uri: m.uri ? renderString(m.uri) : undefined,
    method: m.method ? { exact: m.method } : undefined,
    queryParams: map(m.queryParams),
    withoutHeaders: map(m.withoutHeaders),
    sourceLabels: m.sourceLabels ? { ...m.sourceLabels } : undefined,
    sourceNamespace: m.sourceNamespace,
    port: m.port,
    gateways: m.gateways ? [...m.gateways] : undefined,
  };
}

function renderString(s: StringMatch): { exact?: string; prefix?: string; regex?: string } {
  return { [s.kind]: s.value };
}

/** Weighted destinations of one host; `alwaysWeigh` writes weight 100 on a single destination too. */
export function renderDestinations(
  host: string,
  dests: readonly RouteDestinationOptions[],
  port: number | undefined,
  alwaysWeigh = false,
): VirtualServiceSpecHttpRoute[] {
  return dests.map((d) => ({
    destination: { host, subset: d.subset, port: portOf(port) },
    weight: d.weight?.value ?? (alwaysWeigh && dests.length === 1 ? 100 : undefined),
  }));
}

/** Istio's `PortSelector`, or undefined when no port is named. */
export function portOf(port: number | undefined): { number: number } | undefined {
  return port === undefined ? undefined : { number: port };
}
