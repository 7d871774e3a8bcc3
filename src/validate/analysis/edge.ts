/**
 * Checks of the cluster's edge: what the edge gateway does to the requests it admits (its
 * EnvoyFilters), and the Services that clients outside the cluster reach directly.
 */
import { Codes } from '../../core/codes';
import { Finding, finding, Manifest } from '../finding';
import { AnalysisCheck } from './check';
import { list } from '../values';
import { labelSelectorMatches } from '../model/selectors';
import { namespaceOf, Workload } from './view';
import { policyTypes, portsAdmit } from '../flow/network-policy';

/**
 * MESH652 (warning): a `rate_limits` action of a gateway's EnvoyFilter (context GATEWAY) that
 * takes a descriptor from a request header (`request_headers`). The gateway is where requests
 * from outside enter: it cannot tell a header something in front of it set from one the client
 * sent, so a client chooses its own key (a fresh "user" per request escapes a per-user limit).
 * A claim of a token the gateway validated (the `metadata` action on jwt_authn's payload) cannot be forged, nor can
 * X-Forwarded-Client-Cert: istiod's gateways replace it with the details of the client certificate their TLS verified, and
 * remove it where the client presented none (SANITIZE_SET, the gateway default unless the proxy config's
 * `gatewayTopology.forwardClientCertDetails` says otherwise: istio/istio pilot/pkg/networking/core/gateway.go), as the
 * connection manager decodes the headers, before any HTTP filter (Envoy's `forward_client_cert_details`), so a limit per
 * partner certificate is keyed by it. Where a
 * RequestAuthentication copies a claim to that header (`outputClaimToHeaders`), it does so at the proxy it selects, a service's
 * sidecar behind the gateway, after the gateway's limit: the message names the claim to key by instead.
 * @see https://istio.io/latest/docs/reference/config/security/jwt/#ClaimToHeader
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-ratelimit-action-requestheaders
 */
export const rateLimitKeyedByClientHeader: AnalysisCheck = {
  code: Codes.RATE_LIMIT_KEY_CLIENT_HEADER,
  title: 'a gateway rate limit keyed by a header the client sends',
  run(index) {
    const out: Finding[] = [];
    // The headers RequestAuthentications copy claims to: the claims and the policies, by header.
    const fromClaims = new Map<string, { claims: Set<string>; policies: Set<string> }>();
    for (const ra of index.ofKind('RequestAuthentication')) {
      for (const rule of list(ra.spec?.jwtRules)) {
        for (const c of list(rule?.outputClaimToHeaders)) {
          const h = String(c?.header ?? '').toLowerCase();
          if (!h) continue;
          const entry = fromClaims.get(h) ?? { claims: new Set<string>(), policies: new Set<string>() };
          entry.claims.add(String(c?.claim));
          entry.policies.add(`${namespaceOf(ra)}/${ra.metadata?.name}`);
          fromClaims.set(h, entry);
        }
      }
    }
    for (const ef of index.ofKind('EnvoyFilter')) {
      list(ef.spec?.configPatches).forEach((p: Manifest, i: number) => {
        if (p?.match?.context !== 'GATEWAY') return;
        const limits: Manifest[] = list(p?.patch?.value?.route?.rate_limits);
        limits.forEach((l, j) => list(l?.actions).forEach((a: Manifest, k: number) => {
          const header = a?.request_headers?.header_name;
          if (header === undefined || String(header).toLowerCase() === 'x-forwarded-client-cert') return;
          const field = `spec.configPatches[${i}].patch.value.route.rate_limits[${j}].actions[${k}].request_headers`;
          const copied = fromClaims.get(String(header).toLowerCase());
          const claims = copied && [...copied.claims].sort();
          const advice = copied
            ? `${header} is the claim ${claims!.join(', ')} that RequestAuthentication ${[...copied.policies].sort().join(', ')} copies at the `
              + "proxies it selects, behind the gateway and after its limit, so the gateway counts the client's own copy: key by that "
              + `claim of a token the gateway validates (RateLimitUser.jwtClaim({ claim: '${claims![0]}', ... }))`
            : 'key by a claim of a token the gateway validates, or acknowledge that something in front of the gateway sets it';
          out.push(finding(Codes.RATE_LIMIT_KEY_CLIENT_HEADER, ef, field,
            `the gateway takes the rate-limit key ${a.request_headers.descriptor_key ?? header} from the request header ${header}, `
            + `which a client can send itself; ${advice}`, 'warning'));
        }));
      });
    }
    return out;
  },
};

/** An Envoy ratelimit filter an EnvoyFilter inserts: where, at which stage, for which domain. */
interface RateLimitFilter {
  readonly ef: Manifest;
  readonly field: string;
  readonly context: string;
  readonly selector: Readonly<Record<string, string>> | undefined;
  readonly stage: number;
  readonly domain: string;
}

/** Whether `patch` inserts or merges Envoy's HTTP ratelimit filter (by its name or its typed config). */
function isRateLimitFilter(patch: Manifest): boolean {
  if (patch?.applyTo !== 'HTTP_FILTER' || patch?.patch?.operation === 'REMOVE') return false;
  const value = patch?.patch?.value;
  const type = value?.typed_config?.['@type'];
  return value?.name === 'envoy.filters.http.ratelimit'
    || (typeof type === 'string' && type.endsWith('envoy.extensions.filters.http.ratelimit.v3.RateLimit'));
}

/** Every pod `b` selects is selected by `a` (a selector-less EnvoyFilter applies to every pod of its namespace). */
function covers(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  return a === undefined || (b !== undefined && Object.entries(a).every(([k, v]) => b[k] === v));
}

/**
 * MESH157: two Envoy ratelimit filters at one stage on the same proxies. The filter applies
 * every rate limit of the route (or virtual host) whose stage is its own ("The rate limit
 * configuration only applies to filters with the same stage number", default 0), and EnvoyFilter
 * MERGE patches append their `rate_limits` into one list (proto merge of a repeated field). So
 * two filters of different domains at one stage each send the other's descriptors to their own
 * domain, whose limits then apply to keys written for the other (a per-user limit on a tenant
 * key), and two of one domain count each request twice. Proxies overlap when the EnvoyFilters
 * share a namespace and one's workload selector covers the other's, in overlapping contexts.
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/ratelimit/v3/rate_limit.proto (stage)
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-ratelimit (stage)
 * @see https://istio.io/latest/docs/reference/config/networking/envoy-filter/#EnvoyFilter-Patch-Operation (MERGE: proto merge semantics)
 */
export const rateLimitFiltersShareStage: AnalysisCheck = {
  code: Codes.RATE_LIMIT_FILTERS_SHARE_STAGE,
  title: 'two rate-limit filters at one stage on the same proxies',
  run(index) {
    // By namespace and stage: only filters of one namespace and one stage can meet.
    const byNamespace = new Map<string, RateLimitFilter[]>();
    for (const ef of index.ofKind('EnvoyFilter')) {
      if (ef.spec?.targetRefs !== undefined) continue;
      list(ef.spec?.configPatches).forEach((p: Manifest, i: number) => {
        if (!isRateLimitFilter(p)) return;
        const config = p.patch.value.typed_config ?? {};
        const labels = ef.spec?.workloadSelector?.labels;
        const filter: RateLimitFilter = {
          ef, field: `spec.configPatches[${i}].patch.value.typed_config.stage`, context: p.match?.context ?? 'ANY',
          selector: labels && typeof labels === 'object' ? labels : undefined,
          stage: Number.isInteger(config.stage) ? config.stage : 0, domain: String(config.domain ?? ''),
        };
        const key = `${String(ef.metadata?.namespace ?? 'default')}\0${filter.stage}`;
        const group = byNamespace.get(key);
        if (group) group.push(filter);
        else byNamespace.set(key, [filter]);
      });
    }
    const out: Finding[] = [];
    for (const filters of byNamespace.values()) {
      filters.forEach((f, i) => {
        const other = filters.slice(0, i).find((g) => (g.context === f.context || g.context === 'ANY' || f.context === 'ANY')
          && (covers(g.selector, f.selector) || covers(f.selector, g.selector)));
        if (!other) return;
        const where = `${other.ef.metadata?.namespace}/${other.ef.metadata?.name}`;
        const what = other.domain === f.domain ? `the same domain ${f.domain}, so each request is counted twice`
          : `domain ${other.domain}, so each filter sends the other's descriptors to its own domain (${f.domain}'s limits apply to `
            + `${other.domain}'s keys and back)`;
        out.push(finding(Codes.RATE_LIMIT_FILTERS_SHARE_STAGE, f.ef, f.field,
          `Envoy's ratelimit filter for domain ${f.domain} runs at stage ${f.stage} on the pods where EnvoyFilter ${where} `
          + `(${other.field.replace('.typed_config.stage', '')}) puts one at the same stage for ${what}: a filter applies every route `
          + 'rate limit of its stage; give each filter its own stage (typed_config.stage and the stage of its route rate_limits)'));
      });
    }
    return out;
  },
};

/** An HTTP_ROUTE patch of an EnvoyFilter that merges route `rate_limits`: where, into which virtual host, at which stages. */
interface RouteRateLimits {
  readonly ef: Manifest;
  readonly field: string;
  readonly context: string;
  readonly selector: Readonly<Record<string, string>> | undefined;
  /** The `vhost.name` matched; undefined for every virtual host. */
  readonly vhost: string | undefined;
  /** The `vhost.route.name` matched; undefined for every route. */
  readonly route: string | undefined;
  readonly stages: ReadonlySet<number>;
}

/**
 * MESH535: two EnvoyFilter HTTP_ROUTE patches on the same gateway proxies that merge `rate_limits` of one stage into one
 * virtual host. istiod applies every HTTP_ROUTE patch whose `routeConfiguration.vhost.name` is empty or the virtual host's
 * (istio/istio 1.24 pilot/pkg/networking/core/envoyfilter/rc_patch.go, patchHTTPRoute and virtualHostMatch), and a MERGE
 * appends a repeated field, so the route carries both lists; the ratelimit filter of that stage applies every rate limit of
 * its stage, so it sends both patches' descriptors: a request to one environment's host counts in the other's counters too
 * (its limit then the lower of both), or twice in one. Each environment's limits belong on its own virtual hosts, once.
 * Proxies overlap as for MESH157 (one namespace, one selector covering the other's, overlapping contexts); patches that
 * name different routes (`vhost.route.name`) do not meet.
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-ratelimit (stage)
 * @see https://istio.io/latest/docs/reference/config/networking/envoy-filter/#EnvoyFilter-RouteConfigurationMatch-VirtualHostMatch
 */
export const rateLimitVirtualHostShared: AnalysisCheck = {
  code: Codes.RATE_LIMIT_VIRTUAL_HOST_SHARED,
  title: 'two route rate-limit patches of one stage on one virtual host',
  run(index) {
    const byNamespace = new Map<string, RouteRateLimits[]>();
    for (const ef of index.ofKind('EnvoyFilter')) {
      if (ef.spec?.targetRefs !== undefined) continue;
      list(ef.spec?.configPatches).forEach((p: Manifest, i: number) => {
        if (p?.applyTo !== 'HTTP_ROUTE' || p?.patch?.operation !== 'MERGE') return;
        const limits: Manifest[] = list(p?.patch?.value?.route?.rate_limits);
        if (limits.length === 0) return;
        const vhost = p?.match?.routeConfiguration?.vhost;
        const labels = ef.spec?.workloadSelector?.labels;
        const patch: RouteRateLimits = {
          ef, field: `spec.configPatches[${i}].match.routeConfiguration.vhost.name`, context: p.match?.context ?? 'ANY',
          selector: labels && typeof labels === 'object' ? labels : undefined,
          vhost: vhost?.name ? String(vhost.name) : undefined, route: vhost?.route?.name ? String(vhost.route.name) : undefined,
          stages: new Set(limits.map((l) => (Number.isInteger(l?.stage) ? l.stage as number : 0))),
        };
        const key = String(ef.metadata?.namespace ?? 'default');
        const group = byNamespace.get(key);
        if (group) group.push(patch);
        else byNamespace.set(key, [patch]);
      });
    }
    const out: Finding[] = [];
    for (const patches of byNamespace.values()) {
      patches.forEach((f, i) => {
        const other = patches.slice(0, i).find((g) => (g.context === f.context || g.context === 'ANY' || f.context === 'ANY')
          && (covers(g.selector, f.selector) || covers(f.selector, g.selector))
          && (g.vhost === undefined || f.vhost === undefined || g.vhost === f.vhost)
          && (g.route === undefined || f.route === undefined || g.route === f.route)
          && [...f.stages].some((st) => g.stages.has(st)));
        if (!other) return;
        const stage = [...f.stages].find((st) => other.stages.has(st));
        const where = `${other.ef.metadata?.namespace}/${other.ef.metadata?.name}`;
        const host = f.vhost ?? other.vhost;
        out.push(finding(Codes.RATE_LIMIT_VIRTUAL_HOST_SHARED, f.ef, f.field,
          `merges route rate_limits of stage ${stage} into ${f.vhost === undefined ? 'every virtual host' : `virtual host ${f.vhost}`} of the `
          + `pods where EnvoyFilter ${where} (${other.field}) merges its own of that stage into `
          + `${other.vhost === undefined ? 'every one' : other.vhost}: `
          + `the routes of ${host ?? 'every virtual host'} carry both, and the ratelimit filter of stage ${stage} sends both descriptors, so a `
          + 'request counts in both limits; scope each environment\'s rate_limits to its own virtual hosts (vhost.name), once'));
      });
    }
    return out;
  },
};

/** The catch-all ranges: a peer of one admits every address, whatever rewrites it. */
const EVERY_ADDRESS = new Set(['0.0.0.0/0', '::/0']);

/**
 * How the NetworkPolicies of `w` (in its namespace) admit connections to `port`: `any` when some
 * rule admits every source (no `from`, or a catch-all ipBlock without exceptions) or the pod is
 * not isolated for ingress; else the ipBlock ranges that admit it (empty when only pod peers do).
 */
function ingressByAddress(policies: readonly Manifest[], w: Workload, port: number): 'any' | string[] {
  const selecting = policies.filter((np) => policyTypes(np).includes('Ingress') && labelSelectorMatches(np.spec?.podSelector ?? {}, w.labels));
  if (selecting.length === 0) return 'any';
  const ranges: string[] = [];
  const pod = { namedPorts: w.namedPorts } as Parameters<typeof portsAdmit>[3];
  for (const np of selecting) {
    for (const rule of list(np.spec?.ingress)) {
      if (!portsAdmit(rule?.ports, port, 'TCP', pod)) continue;
      const from = list(rule?.from);
      if (from.length === 0) return 'any';
      for (const peer of from) {
        const cidr = peer?.ipBlock?.cidr;
        if (typeof cidr !== 'string') continue;
        if (EVERY_ADDRESS.has(cidr) && list(peer.ipBlock.except).length === 0) return 'any';
        ranges.push(cidr);
      }
    }
  }
  return ranges;
}

/**
 * MESH158 (warning): a NodePort or LoadBalancer Service whose `externalTrafficPolicy` is not `Local`
 * (Kubernetes' default is `Cluster`) in front of pods whose NetworkPolicies admit its target port
 * from outside by address alone (ipBlock ranges, none of them every address). Under `Cluster`,
 * kube-proxy sends a client's connection to a pod on another node SNATed to that node's address
 * ("packets sent to Services with Type=LoadBalancer are source NAT'd by default"), and NetworkPolicy
 * leaves undefined which address an ipBlock sees when something rewrote it ("the source IP that the
 * NetworkPolicy acts on may be the IP of a LoadBalancer or of the Pod's node"): the clients the
 * ranges name are then refused, or admitted only when the balancer picks the pod's own node.
 * `Local` keeps the client's address. A warning: some network plugins keep it under `Cluster` too.
 * @see https://kubernetes.io/docs/tutorials/services/source-ip/#source-ip-for-services-with-type-loadbalancer
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/#networkpolicy-resource (ipBlock)
 */
export const externalClientsAdmittedByRewrittenAddress: AnalysisCheck = {
  code: Codes.EXTERNAL_CLIENT_ADDRESS_REWRITTEN,
  title: 'clients outside admitted by an address kube-proxy rewrites',
  run(index) {
    const out: Finding[] = [];
    const policiesByNamespace = new Map<string, Manifest[]>();
    for (const np of index.ofKind('NetworkPolicy')) {
      const ns = namespaceOf(np);
      const group = policiesByNamespace.get(ns);
      if (group) group.push(np);
      else policiesByNamespace.set(ns, [np]);
    }
    for (const svc of index.ofKind('Service')) {
      const type = svc.spec?.type;
      if ((type !== 'NodePort' && type !== 'LoadBalancer') || svc.spec?.externalTrafficPolicy === 'Local') continue;
      const policies = policiesByNamespace.get(namespaceOf(svc)) ?? [];
      if (policies.length === 0) continue;
      const workloads = index.workloadsOfService(svc);
      for (const p of list(svc.spec?.ports) as Manifest[]) {
        if ((p?.protocol ?? 'TCP') !== 'TCP') continue;
        // One finding a Service port: its other pods are behind the same rewrite.
        const found = workloads.map((w) => {
          const target = typeof p?.targetPort === 'string' ? w.namedPorts[p.targetPort] : Number(p?.targetPort ?? p?.port);
          return { w, target, admitted: Number.isInteger(target) ? ingressByAddress(policies, w, target) : 'any' as const };
        }).find((x) => x.admitted !== 'any' && x.admitted.length > 0);
        if (!found) continue;
        const { w, target, admitted } = found;
        out.push(finding(Codes.EXTERNAL_CLIENT_ADDRESS_REWRITTEN, svc, 'spec.externalTrafficPolicy',
          `${type} Service port ${p?.port} reaches ${w.name}:${target}, whose NetworkPolicies admit it from outside by address only `
          + `(${[...new Set(admitted)].join(', ')}), but externalTrafficPolicy is ${svc.spec?.externalTrafficPolicy ?? 'Cluster (the default)'}: `
          + "kube-proxy SNATs a client's connection to a pod on another node to that node's address, which those ranges do not "
          + `name; set externalTrafficPolicy: Local (ServiceType.${type === 'NodePort' ? 'nodePort' : 'loadBalancer'}'s default) to keep `
          + "the client's address", 'warning'));
      }
    }
    return out;
  },
};

/** The edge checks. */
export const EDGE_CHECKS: readonly AnalysisCheck[] = [
  rateLimitKeyedByClientHeader, rateLimitFiltersShareStage, rateLimitVirtualHostShared, externalClientsAdmittedByRewrittenAddress,
];
