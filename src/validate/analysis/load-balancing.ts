/**
 * Checks of a DestinationRule's load balancer as istiod hands it to the proxies.
 */
import { Codes } from '../../core/codes';
import { Finding, finding, Manifest } from '../finding';
import { AnalysisCheck } from './check';
import { list } from '../values';
import { resolveShortname } from '../model/hosts';
import { namespaceOf } from '../model/workload';
import { appliedTrafficPolicy, writtenTrafficPolicies } from '../model/traffic-policy';

/** The labels of a locality below its region: endpoints that share one are a zone's (or subzone's) own. */
const BELOW_REGION = ['topology.kubernetes.io/zone', 'topology.istio.io/subzone'];

/**
 * Whether locality failover orders the endpoints by the caller's zone, so that each zone's callers
 * hash over their own zone's endpoints alone. istiod applies failover only with outlier detection
 * (pilot/pkg/networking/core/cluster_traffic_policy.go, applyLocalityLoadBalancer: `enableFailover :=
 * c.OutlierDetection != nil`), with the mesh's `localityLbSetting` (`enabled: true` by default,
 * pkg/config/mesh/mesh.go DefaultMeshConfig) where the rule gives none; without `failoverPriority` it
 * puts the caller's zone at priority 0 (pilot/pkg/networking/core/loadbalancer/loadbalancer.go,
 * ApplyLocalityLoadBalancer and applyLocalityFailover, by util.LbPriority), and with it the endpoints
 * matching the caller on every label listed (applyFailoverPriorities): a zone label there is zone first too.
 */
function zoneFirst(lb: any, outlierDetection: unknown): boolean {
  if (!outlierDetection) return false;
  const locality = lb?.localityLbSetting;
  if (locality?.enabled === false || locality?.distribute) return false;
  const priority = list(locality?.failoverPriority).map((l) => String(l).split('=')[0]);
  return priority.length === 0 || priority.some((l) => BELOW_REGION.includes(l));
}

/**
 * The clusters istiod builds for a DestinationRule's traffic policies: the host's and each subset's, each for any port and
 * for each port a port setting of the rule or of a subset names (cluster_builder.go, `applyDestinationRule` and
 * `buildSubsetCluster`, one cluster per service port).
 */
function policyClusters(dr: Manifest): { subset?: string; port?: number }[] {
  const subsets = [undefined, ...list(dr.spec?.subsets).map((s: any) => s?.name).filter((n: unknown): n is string => typeof n === 'string')];
  const ports = new Set<number>();
  for (const { policy } of writtenTrafficPolicies(dr)) {
    const number = Number(policy?.port?.number);
    if (Number.isInteger(number)) ports.add(number);
  }
  return subsets.flatMap((subset) => [undefined, ...ports].map((port) => ({ subset, port })));
}

/**
 * MESH064 (warning): a consistent-hash load balancer under zone-first locality failover. Envoy's ring
 * hash and Maglev pick among the hosts of the highest priority with healthy hosts; istiod gives each
 * caller its own priorities, the endpoints of its own zone first, so callers in different zones map
 * one key (a session's header or cookie) to different pods, and the affinity holds per caller zone
 * only (istio/istio issue 41674, where turning locality load balancing off made the hash consistent).
 * Ordering by region alone (`failoverPriority: [topology.kubernetes.io/region]`) or turning locality
 * off (`enabled: false`) gives every caller of a region one ring. Each cluster is judged on the load balancer and outlier
 * detection istiod gives it ({@link appliedTrafficPolicy}: a port's settings replace the four fields whole, a subset's
 * fields replace the rule's), so a subset's outlier detection under the rule's hash, or a subset's port settings, count.
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#LoadBalancerSettings-ConsistentHashLB
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#LocalityLoadBalancerSetting
 */
export const consistentHashPerZone: AnalysisCheck = {
  code: Codes.CONSISTENT_HASH_PER_ZONE,
  title: 'a consistent-hash load balancer under zone-first locality failover',
  run(index) {
    const out: Finding[] = [];
    const report = (dr: Manifest, field: string, lb: any, where: string) => {
      const key = lb.consistentHash.httpHeaderName ? `header ${lb.consistentHash.httpHeaderName}`
        : lb.consistentHash.httpCookie ? `cookie ${lb.consistentHash.httpCookie.name}` : 'its hash key';
      out.push(finding(Codes.CONSISTENT_HASH_PER_ZONE, dr, field,
        `hashes ${dr.spec?.host}${where} by ${key} with outlier detection and locality failover by zone (${lb.localityLbSetting
          ? 'its failoverPriority names a zone' : 'Istio\'s default localityLbSetting'}): each caller hashes over its own zone's endpoints `
        + 'first, so callers in different zones send one key to different pods; order by region '
        + '(localityLbSetting.failoverPriority: [topology.kubernetes.io/region]) or set localityLbSetting.enabled: false', 'warning'));
    };
    for (const dr of index.ofKind('DestinationRule')) {
      // Each cluster istiod builds for the rule (the host's and each subset's, each port's where settings name it) gets the
      // policy appliedTrafficPolicy merges; one report per load balancer and outlier detection that meet in one of them.
      const reported = new Set<string>();
      for (const { subset, port } of policyClusters(dr)) {
        const { loadBalancer: lb, outlierDetection: od } = appliedTrafficPolicy(dr, subset, port);
        if (!lb?.value?.consistentHash || !zoneFirst(lb.value, od?.value)) continue;
        const key = `${lb.field} ${od?.field}`;
        if (reported.has(key)) continue;
        reported.add(key);
        const where = [subset === undefined ? undefined : `subset ${subset}`, port === undefined ? undefined : `port ${port}`]
          .filter((w) => w !== undefined);
        report(dr, `${lb.field}.localityLbSetting`, lb.value, where.length > 0 ? ` (${where.join(', ')}; outlier detection from ${od!.field})` : '');
      }
    }
    return out;
  },
};

/** What a load balancer asks of Envoy beyond its default, for messages; undefined for none (PASSTHROUGH is the original destination's). */
function asked(lb: any): string | undefined {
  const what = [
    lb?.simple !== undefined && lb.simple !== 'PASSTHROUGH' && lb.simple !== 'UNSPECIFIED' ? `${lb.simple}` : undefined,
    lb?.consistentHash ? 'a consistent hash' : undefined,
    lb?.localityLbSetting && lb.localityLbSetting.enabled !== false ? 'locality settings' : undefined,
  ].filter((w): w is string => w !== undefined);
  return what.length > 0 ? what.join(', ') : undefined;
}

/**
 * MESH148 (warning): a DestinationRule's load balancer for the host of a headless Service (`clusterIP: None`, a StatefulSet's
 * governing Service). istiod gives a sidecar an ORIGINAL_DST cluster for it (resolution Passthrough: pilot/pkg/networking/core
 * cluster_builder.go `convertResolution`; gateways alone get EDS, and `PILOT_ENABLE_EDS_FOR_HEADLESS_SERVICES` is off by
 * default), and `applyLoadBalancer` returns before the rule's algorithm or consistent hash once the cluster is ORIGINAL_DST
 * (cluster_traffic_policy.go: "Original destination service discovery must be used with the original destination load
 * balancer", `LbPolicy = CLUSTER_PROVIDED`): Envoy sends each request to the pod address the client's DNS lookup chose, so
 * session affinity, an algorithm and locality failover do nothing (istio/istio issue 50967). A ClusterIP Service in front
 * of the same pods is what the clients should dial for them.
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#LoadBalancerSettings
 */
export const headlessLoadBalancer: AnalysisCheck = {
  code: Codes.HEADLESS_LOAD_BALANCER,
  title: "a DestinationRule's load balancer for a headless Service, which sidecars do not apply",
  run(index) {
    const headless = new Set<string>();
    for (const svc of index.ofKind('Service')) {
      if (svc.spec?.clusterIP === 'None') headless.add(resolveShortname(String(svc.metadata?.name ?? ''), namespaceOf(svc)));
    }
    if (headless.size === 0) return [];
    const out: Finding[] = [];
    for (const dr of index.ofKind('DestinationRule')) {
      const host = resolveShortname(String(dr.spec?.host ?? ''), namespaceOf(dr));
      if (!headless.has(host)) continue;
      const report = (field: string, lb: any) => {
        const what = asked(lb);
        if (!what) return;
        out.push(finding(Codes.HEADLESS_LOAD_BALANCER, dr, field,
          `asks ${what} of ${dr.spec.host}, a headless Service: a sidecar's cluster for it is ORIGINAL_DST, which sends each request to `
          + 'the pod address the client\'s DNS lookup chose and applies no load balancer, hash or locality setting; give the clients a '
          + 'ClusterIP Service in front of the same pods, or drop the setting', 'warning'));
      };
      for (const { policy, at } of writtenTrafficPolicies(dr)) report(`${at}.loadBalancer`, policy.loadBalancer);
    }
    return out;
  },
};

/**
 * The session cookies web frameworks set by default, each with where its name is fixed: the Servlet specification's
 * (Jakarta Servlet 6.0 §7.1.1: "The name of the session tracking cookie must be JSESSIONID"; Tomcat, Jetty, WildFly,
 * Spring Boot), PHP's `session.name` default, ASP.NET's session state cookie, Spring Session's `DefaultCookieSerializer`,
 * express-session's default `name` and Django's `SESSION_COOKIE_NAME` default.
 */
const APPLICATION_SESSION_COOKIES: Readonly<Record<string, string>> = {
  JSESSIONID: 'a Java servlet container', PHPSESSID: 'PHP', 'ASP.NET_SessionId': 'ASP.NET', SESSION: 'Spring Session',
  'connect.sid': 'express-session', sessionid: 'Django',
};

/**
 * MESH068 (warning): a consistent hash by a cookie that the application sets itself, its framework's session cookie. Envoy
 * hashes the cookie's value (source/common/router/config_impl.cc, CookieHashMethod); where the request has none and the
 * `httpCookie` has a `ttl`, it sets a cookie of that name itself, a hash of the connection's addresses
 * (source/common/router/router.h, addDownstreamSetCookie), beside the application's `Set-Cookie` of the same name: the
 * browser keeps one, and either the application loses its session or the next request hashes to another pod than the one
 * that opened it. Without a `ttl` a first request goes to any pod, and the session it opens hashes to another. A cookie of
 * Envoy's own name with a `ttl` keeps each browser on one pod from its first request.
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#LoadBalancerSettings-ConsistentHashLB-HTTPCookie
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-routeaction-hashpolicy-cookie
 */
export const hashOnApplicationSessionCookie: AnalysisCheck = {
  code: Codes.HASH_ON_APPLICATION_SESSION_COOKIE,
  title: "a consistent hash by the application's own session cookie",
  run(index) {
    const out: Finding[] = [];
    const check = (dr: Manifest, field: string, lb: any) => {
      const cookie = lb?.consistentHash?.httpCookie;
      const framework = typeof cookie?.name === 'string' ? APPLICATION_SESSION_COOKIES[cookie.name] : undefined;
      if (!framework) return;
      const what = cookie.ttl !== undefined && cookie.ttl !== '0s'
        ? `where a request has none, Envoy sets its own ${cookie.name} (a hash of the connection's addresses) beside the application's, `
          + 'and whichever the browser keeps, the session or the pod that holds it is lost'
        : 'a first request, which has none, goes to any pod, and the session it opens hashes to another';
      out.push(finding(Codes.HASH_ON_APPLICATION_SESSION_COOKIE, dr, field,
        `hashes ${dr.spec?.host} by cookie ${cookie.name}, the session cookie ${framework} sets itself: ${what}; hash by a cookie `
        + "of Envoy's own name with a ttl (ConsistentHash.cookie('mesh-affinity', ttl)), which Envoy sets on the first response", 'warning'));
    };
    for (const dr of index.ofKind('DestinationRule')) {
      for (const { policy, at } of writtenTrafficPolicies(dr)) check(dr, `${at}.loadBalancer.consistentHash.httpCookie.name`, policy.loadBalancer);
    }
    return out;
  },
};

/** The load-balancer checks. */
export const LOAD_BALANCING_CHECKS: readonly AnalysisCheck[] = [consistentHashPerZone, headlessLoadBalancer, hashOnApplicationSessionCookie];
