/**
 * Small builders for the PromQL of release rules: label selectors over Istio's
 * standard metrics, exact decimals, and the traffic guard.
 */
import { Codes } from '../core/codes';
import { MeshError } from '../core/errors';
import type { RequestProtocols } from '../core/ports';

/** A PromQL label selector, labels in the order given: `{a="x",b=~"y"}`. */
export function selector(labels: ReadonlyArray<readonly [string, string, ('=' | '=~')?]>): string {
  return `{${labels.map(([k, v, op]) => `${k}${op ?? '='}${JSON.stringify(v)}`).join(',')}}`;
}

/**
 * A number as an exact decimal, free of binary floating-point noise:
 * `decimal(0.07 / 100)` is `0.0007`, not `0.0007000000000000001`.
 */
export function decimal(n: number): string {
  if (!Number.isFinite(n)) throw new MeshError(Codes.OUT_OF_RANGE, `not a finite number: ${n}`);
  return String(Number(n.toPrecision(12)));
}

/** A percentage (5) as a ratio (0.05), exactly. */
export function ratioOf(percent: number): string {
  return decimal(percent / 100);
}

/** The requests a rule counts: to one service (or every service of a namespace), optionally answered by one revision. */
export interface MeshRequestScope {
  /** The service's namespace. */
  readonly namespace: string;
  /** The service's name; undefined for every service of the namespace. */
  readonly service?: string;
  /** The canonical revision (the pods' `version` label) that answered; undefined for any. */
  readonly revision?: string;
  /**
   * Whether Flagger releases the service: its VirtualService sends the callers of `<service>` to the
   * `<service>-primary` and `<service>-canary` hosts, so their requests carry those hosts (see {@link meshRequests}).
   * @default false
   */
  readonly flagger?: boolean;
}

/**
 * The names of the Kubernetes Services whose hosts a service's requests carry: its own, and for a service
 * Flagger releases the `-primary` and `-canary` Services its VirtualService routes to (fluxcd/flagger
 * pkg/apis/flagger/v1beta1/canary.go `GetServiceNames`; pkg/router/istio.go `reconcileVirtualService`).
 */
export function requestServiceNames(service: string, flagger = false): string[] {
  return flagger ? [service, `${service}-primary`, `${service}-canary`] : [service];
}

/**
 * Istio's request metric `metric` (`istio_requests_total`, `istio_request_duration_milliseconds_bucket`)
 * over `range`, every request counted once and caller-side failures included, as a union of two
 * vectors whose `reporter` labels differ (so `or` keeps both and `sum` adds them):
 *
 * - `reporter="source"`: what every meshed caller (sidecar or gateway) saw, including the 503s
 *   its own proxy raised without an answer from the service (UH no healthy upstream, UF connect
 *   failure, UO overflow) and the per-try 504s. Selected by `destination_service`, the host the
 *   proxy takes from its cluster's metadata: on a UH reply no endpoint was picked, so
 *   `destination_service_namespace` is `unknown` there (istio/proxy
 *   source/extensions/filters/http/istio_stats/istio_stats.cc, `populatePeerInfo`).
 * - `reporter="destination", source_workload="unknown"`: the requests of callers without a proxy,
 *   which only the service's own sidecar reports; a meshed caller's requests are left out here,
 *   having been counted as `source` (Kiali counts traffic the same way: kiali/kiali
 *   graph/telemetry/istio/istio.go, `buildNamespacesTrafficMap`).
 *
 * A service Flagger releases is reached under three hosts: its callers' requests go where Flagger's
 * VirtualService routes them, the `<name>-primary` and `<name>-canary` Services, and the caller's proxy
 * reports the host of the upstream cluster it sent the request to (`istio.services[0].host` of the
 * cluster's metadata, `populatePeerInfo` again), not the host the caller dialled; a gateway's route
 * to the apex Service keeps `<name>`. The service's own sidecar reports the first Service of its
 * inbound cluster's metadata, which lists every Service of the pod on that port (istio/istio
 * pilot/pkg/networking/core/cluster_builder.go, `addTelemetryMetadata`): for the primary's pods `<name>` or
 * `<name>-primary` (both select them), for the canary's `<name>-canary`. So its requests are matched on all three.
 *
 * A revision is matched on `destination_canonical_revision`, which both reporters set, also when
 * the caller got no answer from the pod it picked: the caller's proxy then takes the pod's
 * workload from its endpoint's metadata, which carries the canonical revision but no `version`
 * (`destination_version` is `unknown`; istio/proxy extensions/common/metadata_object.cc,
 * `convertEndpointMetadata`). The canonical revision is the pod's `service.istio.io/canonical-revision`,
 * else `app.kubernetes.io/version`, else `version` (istio/istio pkg/kube/labels/labels.go,
 * `CanonicalService`); a MeshService sets both of the latter to its version.
 *
 * @see https://istio.io/latest/docs/reference/config/metrics/#labels
 */
export function meshRequests(
  fn: 'rate' | 'increase', metric: string, scope: MeshRequestScope, range: string, extra: string | readonly string[] = '',
): string {
  const ns = scope.namespace;
  const service = scope.service;
  const names = service !== undefined ? requestServiceNames(service, scope.flagger) : [];
  // Service and namespace names are DNS labels: no character of theirs is special in a regular expression but `.`, escaped here.
  const host = service === undefined
    ? `destination_service=~"[^.]+\\\\.${ns}\\\\.svc\\\\.cluster\\\\.local"`
    : names.length === 1
      ? `destination_service="${service}.${ns}.svc.cluster.local"`
      : `destination_service=~"(${names.join('|')})\\\\.${ns}\\\\.svc\\\\.cluster\\\\.local"`;
  const name = service === undefined ? ''
    : names.length === 1 ? `,destination_service_name="${service}"` : `,destination_service_name=~"${names.join('|')}"`;
  const rev = scope.revision !== undefined ? `,destination_canonical_revision="${scope.revision}"` : '';
  // Several matchers are the union of their requests: each selects series of its own label values (disjoint, so `or` adds them up).
  const extras = typeof extra === 'string' ? [extra] : extra;
  const caller = extras.map((e) => `${fn}(${metric}{reporter="source",${host}${rev}${e}}[${range}])`);
  const own = `reporter="destination",source_workload="unknown",destination_service_namespace="${ns}"${name}${rev}`;
  const server = extras.map((e) => `${fn}(${metric}{${own}${e}}[${range}])`);
  return `(${[...caller, ...server].join(' or ')})`;
}

/** The gRPC statuses that mean a server fault: UNKNOWN 2, DEADLINE_EXCEEDED 4, UNIMPLEMENTED 12, INTERNAL 13, UNAVAILABLE 14, DATA_LOSS 15. */
const GRPC_SERVER_FAULTS = '2|4|12|13|14|15';

/**
 * The label matchers of failed requests, whose union is every failure: HTTP 5xx; for a gRPC service the gRPC statuses that
 * mean a server fault (a gRPC failure travels as HTTP 200 with a grpc-status trailer, which Istio's metrics carry as
 * `grpc_response_status`; a proxy's own replies to gRPC requests, 503 UH say, carry grpc-status 14 as well); for a service of
 * both (`http-and-grpc`), the 5xx responses and the other responses of a server fault's grpc-status: two disjoint sets of
 * series (one 5xx, the other not), so {@link meshRequests} adds them up with `or`.
 * @see https://istio.io/latest/docs/reference/config/metrics/#labels
 * @see https://grpc.github.io/grpc/core/md_doc_statuscodes.html
 * @see https://prometheus.io/docs/prometheus/latest/querying/operators/#logical-set-binary-operators
 */
export function failureMatchers(protocols: RequestProtocols = 'http'): readonly string[] {
  if (protocols === 'grpc') return [`,grpc_response_status=~"${GRPC_SERVER_FAULTS}"`];
  if (protocols === 'http') return [',response_code=~"5.*"'];
  return [',response_code=~"5.*"', `,response_code!~"5.*",grpc_response_status=~"${GRPC_SERVER_FAULTS}"`];
}

/**
 * The label matcher of the requests that did not fail, the complement of {@link failureMatchers} among all requests (its
 * ratio to them is one minus the error ratio the SLO rules record): not 5xx, no grpc-status of a server fault, or neither.
 */
export function nonFailureMatcher(protocols: RequestProtocols = 'http'): string {
  if (protocols === 'grpc') return `,grpc_response_status!~"${GRPC_SERVER_FAULTS}"`;
  if (protocols === 'http') return ',response_code!~"5.*"';
  return `,response_code!~"5.*",grpc_response_status!~"${GRPC_SERVER_FAULTS}"`;
}

/**
 * The label matcher of answered requests that did not fail: not 5xx and not `0` (Envoy's code
 * when no response was sent: the caller went away, flag DC), or for gRPC an HTTP 200 whose
 * status is no server fault; for a service of both, neither (an HTTP request's `grpc_response_status` is empty, no fault).
 */
export function successMatcher(protocols: RequestProtocols = 'http'): string {
  if (protocols === 'grpc') return `,response_code="200",grpc_response_status!~"${GRPC_SERVER_FAULTS}"`;
  if (protocols === 'http') return ',response_code!~"0|5.*"';
  return `,response_code!~"0|5.*",grpc_response_status!~"${GRPC_SERVER_FAULTS}"`;
}
