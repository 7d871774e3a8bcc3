/**
 * Long-lived HTTP streams against a DestinationRule's connection pool: each open stream holds what
 * the pool counts for its whole life, so a cap sized for short requests caps the streams a proxy
 * keeps open to the host.
 */
import { Codes } from '../../core/codes';
import { Finding, finding, Manifest, refOf } from '../finding';
import { AnalysisCheck } from './check';
import { list } from '../values';
import { namespaceOf } from './view';
import { analyzerFqdn } from '../model/hosts';
import { appliedTrafficPolicy } from '../model/traffic-policy';
import { PortProtocol, servicePortProtocol } from '../flow/protocol';
import { Labels, MANAGED_BY } from '../../core/labels';

/**
 * The fewest concurrent streams per proxy a pool must allow before a stream route to it is warned of:
 * a cap below it is a request pool's (the `service` tier's `maxConnections: 100`), not one sized for
 * clients that stay connected. The tiers' `http2MaxRequests` (1000, 2000) meet it.
 */
export const STREAM_CAP_THRESHOLD = 1000;

/** A pool's limits, as the DestinationRule writes them (undefined: unset, Istio's 2^32-1). */
interface Pool {
  readonly maxConnections?: number;
  readonly http1MaxPendingRequests?: number;
  readonly http2MaxRequests?: number;
  readonly maxRequestsPerConnection?: number;
  readonly h2UpgradePolicy?: string;
  /** Where the pool is written in the DestinationRule. */
  readonly field: string;
}

const positive = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined);

function poolOf(cp: any, field: string): Pool | undefined {
  if (!cp || typeof cp !== 'object') return undefined;
  return {
    maxConnections: positive(cp.tcp?.maxConnections),
    http1MaxPendingRequests: positive(cp.http?.http1MaxPendingRequests),
    http2MaxRequests: positive(cp.http?.http2MaxRequests),
    maxRequestsPerConnection: positive(cp.http?.maxRequestsPerConnection),
    h2UpgradePolicy: typeof cp.http?.h2UpgradePolicy === 'string' ? cp.http.h2UpgradePolicy : undefined,
    field,
  };
}

/**
 * The connection pool a proxy applies to `port` of the rule's host, for `subset`, as istiod merges the rule's policy, its
 * port-level settings and the subset's (model/traffic-policy.ts: a policy's pool replaces the one under it whole, and a
 * port's settings without a pool leave the port none).
 */
function effectivePool(dr: Manifest, subset: string | undefined, port: number | undefined): Pool | undefined {
  const applied = appliedTrafficPolicy(dr, subset, port).connectionPool;
  return applied && poolOf(applied.value, applied.field);
}

/** What caps a proxy's concurrent streams to the host, and how many. */
interface Cap {
  readonly streams: number;
  readonly why: string;
  /** Whether a request past it waits among the pending ones (an HTTP/1.1 connection cap) before it is refused. */
  readonly queued?: boolean;
}

/**
 * The cap `pool` sets on one proxy's concurrent streams to a port of `protocol`, or undefined where
 * nothing caps them. Envoy's cluster circuit breakers (istiod writes the pool into them: maxConnections
 * to max_connections, http1MaxPendingRequests to max_pending_requests, http2MaxRequests to max_requests;
 * https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/circuit_breaking):
 * - HTTP/1.1 (WebSocket upgrades, server-sent events, long downloads): a stream holds its connection
 *   until it ends, so `maxConnections` caps the streams; a request past it waits among the pending ones
 *   (`http1MaxPendingRequests`) for a connection to free up, and one past those fails with 503 UO
 *   (upstream_rq_pending_overflow). `http2MaxRequests` caps them too: Istio's "Maximum number of active
 *   requests to a destination ... applicable to both HTTP/1.1 and HTTP2" (DestinationRule
 *   ConnectionPoolSettings.HTTPSettings).
 * - HTTP/2 and gRPC (a port so named, or an HTTP/1.1 one the rule upgrades, `h2UpgradePolicy: UPGRADE`):
 *   streams share connections, each an active request, so `http2MaxRequests` caps them; with
 *   `maxRequestsPerConnection` a connection serves that many streams in its life and the next needs a new
 *   connection, which `maxConnections` caps ("All connections, whether active or draining, count against
 *   this limit"), so the streams are at most their product.
 */
function capOf(pool: Pool, protocol: PortProtocol | undefined): Cap | undefined {
  const h2 = protocol === 'HTTP2' || protocol === 'GRPC' || protocol === 'GRPC-Web' || pool.h2UpgradePolicy === 'UPGRADE';
  const caps: Cap[] = [];
  if (pool.http2MaxRequests !== undefined) {
    caps.push({ streams: pool.http2MaxRequests, why: `connectionPool.http.http2MaxRequests: ${pool.http2MaxRequests}, Envoy's max_requests` });
  }
  if (pool.maxConnections !== undefined) {
    if (!h2) {
      caps.push({ streams: pool.maxConnections, why: `connectionPool.tcp.maxConnections: ${pool.maxConnections}, and each HTTP/1.1 stream `
        + 'holds a connection for its life', queued: true });
    } else if (pool.maxRequestsPerConnection !== undefined) {
      const streams = pool.maxConnections * pool.maxRequestsPerConnection;
      caps.push({ streams, why: `connectionPool.tcp.maxConnections: ${pool.maxConnections} connections of at most `
        + `http.maxRequestsPerConnection: ${pool.maxRequestsPerConnection} streams each` });
    }
  }
  return caps.sort((a, b) => a.streams - b.streams)[0];
}

/** The destination's Service port: the one it names, else the Service's only port. */
function servicePort(service: Manifest | undefined, number: number | undefined): Manifest | undefined {
  const ports: Manifest[] = list(service?.spec?.ports);
  return number === undefined ? (ports.length === 1 ? ports[0] : undefined) : ports.find((p) => Number(p?.port) === number);
}

/**
 * MESH676 (warning): an HTTP route of cdk8s-mesh's output (`app.kubernetes.io/managed-by: cdk8s-mesh`) that
 * writes no `timeout` (a stream's route: Istio's only "no timeout", which synth writes for `streaming` and on no
 * other mesh route; in hand-written YAML no timeout is Istio's default and is not read as a stream) bound to the
 * mesh, or bound to a gateway where one of the host's mesh routes has no `timeout` either (an EdgeGateway route
 * given no timeout has none whatever its service serves, so the gateway's own route says nothing of streams), to a
 * host whose DestinationRule
 * caps each proxy's concurrent streams to it below {@link STREAM_CAP_THRESHOLD}. Every proxy that routes by
 * it (each gateway pod, each calling pod's sidecar) applies the rule, so the clients past the cap wait
 * for a stream to end and are then refused with 503 UO (HTTP/1.1), or are refused at once (HTTP/2). A
 * rule that leaves the limit unset (Istio's 2^32-1) or sets it at the threshold or above is not warned of.
 */
export const streamsConnectionCapped: AnalysisCheck = {
  code: Codes.STREAMS_CONNECTION_CAPPED,
  title: "a stream route (no timeout) to a host whose connection pool caps a proxy's concurrent streams",
  run(index) {
    const out: Finding[] = [];
    // The destinations of the routes without timeout, each with its VirtualService and where it sits.
    // Only cdk8s-mesh's own VirtualServices say "stream" by leaving out the timeout (synth writes one on every other route):
    // in a hand-written one no timeout is Istio's default, which says nothing of how long its requests last.
    const streams = index.ofKind('VirtualService').flatMap((vs) => {
      if (vs.metadata?.labels?.[Labels.MANAGED_BY] !== MANAGED_BY) return [];
      const ns = namespaceOf(vs);
      const gateways = list(vs.spec?.gateways).map(String);
      // Without gateways a VirtualService is the mesh's (its sidecars'); every gateway it names applies it too.
      const sidecars = gateways.length === 0 || gateways.includes('mesh');
      return list(vs.spec?.http).flatMap((rule: any, i: number) => (rule?.timeout !== undefined || rule?.redirect || rule?.directResponse ? []
        : list(rule?.route).flatMap((r: any, j: number) => (r?.destination?.host
            ? [{ vs, ns, gateways, sidecars, i, j, d: r.destination, fqdn: analyzerFqdn(String(r.destination.host), ns) }] : []))));
    });
    // A gateway's route without timeout is a stream's where the host's own mesh routes say so (one of them has no timeout, as
    // synth writes a streaming service or route): an EdgeGateway route given no timeout has none whatever its service serves.
    const streamingHosts = new Set(streams.filter((x) => x.sidecars).map((x) => x.fqdn));
    for (const { vs, ns, gateways, sidecars, i, j, d, fqdn } of streams) {
      if (!sidecars && !streamingHosts.has(fqdn)) continue;
      const bound = gateways.filter((g) => g !== 'mesh');
      const where = [bound.length > 0 ? `each pod of gateway ${bound.join(', ')}` : '', sidecars ? "each calling pod's sidecar" : '']
        .filter((x) => x).join(' and ');
      const hostNs = fqdn.split('.')[1];
      const dr = index.model.hosts.destinationRuleFor(fqdn, hostNs ?? ns, ns, index.rootNamespace);
      if (!dr) continue;
      const number = positive(d.port?.number);
      const port = servicePort(index.service(fqdn), number);
      const pool = effectivePool(dr, d.subset ? String(d.subset) : undefined, number ?? positive(port?.port));
      const cap = pool && capOf(pool, servicePortProtocol(port));
      if (!cap || cap.streams >= STREAM_CAP_THRESHOLD) continue;
      const pending = pool.http1MaxPendingRequests;
      const past = cap.queued
        ? `the next ${pending === undefined ? '' : `${pending} `}wait (http1MaxPendingRequests) until a stream ends, and the rest fail with 503 UO`
        : 'the rest fail with 503 UO';
      out.push({
        ...finding(Codes.STREAMS_CONNECTION_CAPPED, vs, `spec.http[${i}].route[${j}]`,
          `a route without timeout (a stream's: WebSocket, server-sent events, gRPC stream) to ${d.host}, whose DestinationRule ${dr.metadata?.name} `
          + `(${pool.field}) lets ${where} hold at most ${cap.streams} open streams to it (${cap.why}; under ${STREAM_CAP_THRESHOLD}): `
          + `${past} (Envoy's circuit breaker); size the pool for the streams each proxy holds: the service's connectionPool prop `
          + '(MeshService connectionPool: { tcp: { maxConnections }, http: { http2MaxRequests } }), or acknowledge the cap', 'warning'),
        related: refOf(dr),
      });
    }
    return out;
  },
};
