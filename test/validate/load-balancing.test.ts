// MESH064 over manifests: a consistent hash (session affinity) under zone-first locality failover holds per caller zone only.
// istiod puts each caller's own zone at priority 0 wherever outlier detection is set and the DestinationRule names no other
// order (pilot/pkg/networking/core/cluster_traffic_policy.go applyLocalityLoadBalancer; loadbalancer/loadbalancer.go
// applyLocalityFailover; the mesh's localityLbSetting is enabled by default, pkg/config/mesh/mesh.go), and Envoy hashes over
// the hosts of that priority: istio/istio issue 41674.
import { Duration } from 'cdk8s';
import { analyze } from '../../src/validate/analysis';
import { ConsistentHash, LoadBalancer, LocalityLoadBalancing, MeshService, ServiceType } from '../../src';
import { find, meshChart, synth } from '../util';

const outlier = { consecutive5xxErrors: 5, interval: '30s', baseEjectionTime: '30s' };
const dr = (spec: Record<string, any>) => ({
  apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'session', namespace: 'game' }, spec: { host: 'session', ...spec },
});
const found = (manifests: Record<string, any>[]) =>
  analyze(manifests).filter((f) => f.code === 'MESH064').map((f) => `${f.resource.name} ${f.field} ${f.severity ?? 'error'}`);

describe('MESH064: a consistent hash under zone-first locality failover', () => {
  test('a header hash with outlier detection and no localityLbSetting (Istio\'s default, zone first) is a warning', () => {
    const manifests = [dr({ trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: 'x-session-id' } }, outlierDetection: outlier } })];
    expect(found(manifests)).toEqual(['session spec.trafficPolicy.loadBalancer.localityLbSetting warning']);
    expect(analyze(manifests).find((f) => f.code === 'MESH064')!.message).toMatch(/by header x-session-id.*callers in different zones send one key to different pods/);
  });

  test('a failoverPriority naming the zone is zone first too; a subset or a port that brings the hash is judged on its own merge', () => {
    expect(found([dr({ trafficPolicy: { outlierDetection: outlier, loadBalancer: {
      consistentHash: { httpCookie: { name: 'affinity', ttl: '3600s' } },
      localityLbSetting: { enabled: true, failoverPriority: ['topology.kubernetes.io/region', 'topology.kubernetes.io/zone'] },
    } } })])).toEqual(['session spec.trafficPolicy.loadBalancer.localityLbSetting warning']);
    // the subset's load balancer replaces the rule's, the rule's outlier detection stays (pilot/pkg/networking/util/util.go mergeTrafficPolicy)
    expect(found([dr({ trafficPolicy: { outlierDetection: outlier }, subsets: [
      { name: 'v1', labels: { version: 'v1' } },
      { name: 'v2', labels: { version: 'v2' }, trafficPolicy: { loadBalancer: { consistentHash: { useSourceIp: true } } } },
    ] })])).toEqual(['session spec.subsets[1].trafficPolicy.loadBalancer.localityLbSetting warning']);
    expect(found([dr({ trafficPolicy: { portLevelSettings: [
      { port: { number: 9090 }, loadBalancer: { consistentHash: { httpHeaderName: 'x-session-id' } }, outlierDetection: outlier },
    ] } })])).toEqual(['session spec.trafficPolicy.portLevelSettings[0].loadBalancer.localityLbSetting warning']);
  });

  test("a subset's port settings and a subset's outlier detection are judged on the cluster istiod builds from them (appliedTrafficPolicy)", () => {
    // A subset's settings for a port replace its policy's four fields for that port (util.go MergeSubsetTrafficPolicy, hasPortLevel).
    expect(found([dr({ subsets: [{ name: 'v2', labels: { version: 'v2' }, trafficPolicy: { portLevelSettings: [
      { port: { number: 9090 }, loadBalancer: { consistentHash: { httpHeaderName: 'x-session-id' } }, outlierDetection: outlier },
    ] } }] })])).toEqual(['session spec.subsets[0].trafficPolicy.portLevelSettings[0].loadBalancer.localityLbSetting warning']);
    // The rule's hash without outlier detection does not fail over; the subset's outlier detection makes its cluster zone first.
    const manifests = [dr({ trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: 'x-session-id' } } }, subsets: [
      { name: 'v1', labels: { version: 'v1' } },
      { name: 'v2', labels: { version: 'v2' }, trafficPolicy: { outlierDetection: outlier } },
    ] })];
    expect(found(manifests)).toEqual(['session spec.trafficPolicy.loadBalancer.localityLbSetting warning']);
    expect(analyze(manifests).find((f) => f.code === 'MESH064')!.message)
      .toMatch(/hashes session \(subset v2; outlier detection from spec\.subsets\[1\]\.trafficPolicy\.outlierDetection\) by header x-session-id/);
    // A port's settings without a load balancer leave that port unhashed; the rule's own cluster is reported once.
    expect(found([dr({ trafficPolicy: { outlierDetection: outlier, loadBalancer: { consistentHash: { httpHeaderName: 'x-session-id' } },
      portLevelSettings: [{ port: { number: 9090 }, connectionPool: { tcp: { maxConnections: 10 } } }] },
    subsets: [{ name: 'v1', labels: { version: 'v1' } }] })])).toEqual(['session spec.trafficPolicy.loadBalancer.localityLbSetting warning']);
  });

  test('by region, locality off, no outlier detection (no failover), or a simple balancer: one ring for every caller, no warning', () => {
    const hash = { consistentHash: { httpHeaderName: 'x-session-id' } };
    expect(found([dr({ trafficPolicy: { outlierDetection: outlier,
      loadBalancer: { ...hash, localityLbSetting: { enabled: true, failoverPriority: ['topology.kubernetes.io/region'] } } } })])).toEqual([]);
    const off = { ...hash, localityLbSetting: { enabled: false } };
    expect(found([dr({ trafficPolicy: { outlierDetection: outlier, loadBalancer: off } })])).toEqual([]);
    expect(found([dr({ trafficPolicy: { loadBalancer: hash } })])).toEqual([]);
    expect(found([dr({ trafficPolicy: { outlierDetection: outlier, loadBalancer: { simple: 'LEAST_REQUEST' } } })])).toEqual([]);
  });

  test('a MeshService hashed by a header or a cookie orders its endpoints by region, so synth reports nothing', () => {
    const { app, chart } = meshChart();
    const session = new MeshService(chart, 'session', { image: 'session:1', ports: [{ port: 9090, protocol: 'grpc' }],
      loadBalancer: ConsistentHash.header('x-session-id') });
    const match = new MeshService(chart, 'matchmaking', { image: 'matchmaking:1', loadBalancer: ConsistentHash.cookie('mm', Duration.hours(1)) });
    match.calls(session);
    const manifests = synth(app);
    for (const name of ['session', 'matchmaking']) {
      expect(find(manifests, 'DestinationRule', name).spec.trafficPolicy.loadBalancer.localityLbSetting)
        .toEqual({ enabled: true, failoverPriority: ['topology.kubernetes.io/region'] });
    }
    expect(find(manifests, 'DestinationRule', 'session').spec.trafficPolicy.outlierDetection).toBeDefined();
    expect(found(manifests)).toEqual([]);
    expect(app.warnings.filter((w) => w.includes('MESH064'))).toEqual([]);
  });

  test('LocalityLoadBalancing with sameZoneFirst on a hashed service is reported at synth, on its DestinationRule', () => {
    const { app, chart } = meshChart();
    const session = new MeshService(chart, 'session', { image: 'session:1', replicas: 4, loadBalancer: ConsistentHash.header('x-session-id') });
    new LocalityLoadBalancing(chart, 'session-locality', { service: session, sameZoneFirst: true });
    synth(app);
    expect(app.warnings.filter((w) => w.includes('MESH064'))).toEqual([
      expect.stringMatching(/DestinationRule\/session: spec\.trafficPolicy\.loadBalancer\.localityLbSetting: hashes session by header x-session-id.*\[MESH064\]/),
    ]);
  });
});

describe('a version\'s own load balancer keeps the host\'s locality setting', () => {
  // A subset's loadBalancer replaces the rule's whole loadBalancer, localityLbSetting included
  // (istio/istio pilot/pkg/networking/util/util.go mergeTrafficPolicy, 1.24.6): without it the version's pods
  // would get Istio's default zone-first order while the rest of the host fails over by region.
  test('LocalityLoadBalancing and addVersion({ trafficPolicy: { loadBalancer } }): the subset carries the same localityLbSetting', () => {
    const { app, chart } = meshChart();
    const reviews = new MeshService(chart, 'reviews', { image: 'reviews:1', replicas: 4 });
    reviews.addVersion({ name: 'v2', image: 'reviews:2', trafficPolicy: { loadBalancer: LoadBalancer.roundRobin() } });
    new LocalityLoadBalancing(chart, 'reviews-locality', { service: reviews, failover: [{ from: 'ap-northeast-1', to: 'ap-northeast-3' }] });
    const spec = find(synth(app), 'DestinationRule', 'reviews').spec;
    const v2 = spec.subsets.find((s: any) => s.name === 'v2');
    expect(v2.trafficPolicy.loadBalancer).toEqual({ simple: 'ROUND_ROBIN', localityLbSetting: spec.trafficPolicy.loadBalancer.localityLbSetting });
    expect(spec.trafficPolicy.loadBalancer.localityLbSetting).toEqual({ enabled: true, failoverPriority: ['topology.kubernetes.io/region'] });
  });

  test('a version hashed by a header gets the region-first order without LocalityLoadBalancing (MESH064)', () => {
    const { app, chart } = meshChart();
    const session = new MeshService(chart, 'session', { image: 'session:1' });
    session.addVersion({ name: 'v2', image: 'session:2', trafficPolicy: { loadBalancer: ConsistentHash.header('x-session-id') } });
    const manifests = synth(app);
    const v2 = find(manifests, 'DestinationRule', 'session').spec.subsets.find((s: any) => s.name === 'v2');
    expect(v2.trafficPolicy.loadBalancer.localityLbSetting).toEqual({ enabled: true, failoverPriority: ['topology.kubernetes.io/region'] });
    expect(found(manifests)).toEqual([]);
  });
});

describe("MESH148: a load balancer for a headless Service's host, which a sidecar's ORIGINAL_DST cluster does not apply", () => {
  const service = (clusterIP?: string) => ({
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'session', namespace: 'game' },
    spec: { ...(clusterIP ? { clusterIP } : {}), selector: { app: 'session' }, ports: [{ name: 'http', port: 8080 }] },
  });
  const mesh148 = (manifests: Record<string, any>[]) =>
    analyze(manifests).filter((f) => f.code === 'MESH148').map((f) => `${f.resource.name} ${f.field} ${f.severity ?? 'error'}`);

  test('a hash, an algorithm or locality settings for a headless host are warnings, at the rule, a port and a subset', () => {
    const manifests = [service('None'), dr({
      trafficPolicy: {
        loadBalancer: { consistentHash: { httpHeaderName: 'x-session-id' } },
        portLevelSettings: [{ port: { number: 8080 }, loadBalancer: { simple: 'LEAST_REQUEST' } }],
      },
      subsets: [{ name: 'v1', labels: { version: 'v1' }, trafficPolicy: { loadBalancer: { localityLbSetting: { enabled: true } } } }],
    })];
    expect(mesh148(manifests)).toEqual([
      'session spec.trafficPolicy.loadBalancer warning',
      'session spec.trafficPolicy.portLevelSettings[0].loadBalancer warning',
      'session spec.subsets[0].trafficPolicy.loadBalancer warning',
    ]);
    expect(analyze(manifests).find((f) => f.code === 'MESH148')!.message)
      .toMatch(/^asks a consistent hash of session, a headless Service: a sidecar's cluster for it is ORIGINAL_DST.*give the clients a ClusterIP Service/);
  });

  test('a ClusterIP Service, PASSTHROUGH, locality turned off, or no load balancer: nothing to report', () => {
    expect(mesh148([service(), dr({ trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: 'x-session-id' } } } })])).toEqual([]);
    expect(mesh148([service('None'), dr({ trafficPolicy: { loadBalancer: { simple: 'PASSTHROUGH', localityLbSetting: { enabled: false } } } })])).toEqual([]);
    expect(mesh148([service('None'), dr({ trafficPolicy: { outlierDetection: outlier } })])).toEqual([]);
  });

  test('at synth: a stateful service whose own Service is made headless, hashed for session affinity, is warned of', () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'session', {
      image: 'session:1', ports: [{ port: 8080, protocol: 'http' }], stateful: {}, loadBalancer: ConsistentHash.header('x-session-id'),
      service: { type: ServiceType.headless() },
    });
    expect(analyze(synth(app)).filter((f) => f.code === 'MESH148').map((f) => f.field)).toEqual(['spec.trafficPolicy.loadBalancer']);
  });

  test("at synth: a stateful service's hash applies: its callers dial its ClusterIP client Service, its pods' names sit under <name>-headless", () => {
    const { app, chart } = meshChart();
    const session = new MeshService(chart, 'session', {
      image: 'session:1', ports: [{ port: 8080, protocol: 'http' }], stateful: {}, loadBalancer: ConsistentHash.header('x-session-id'),
    });
    const out = synth(app);
    expect(analyze(out).filter((f) => f.code === 'MESH148')).toEqual([]);
    expect(find(out, 'Service', 'session').spec.clusterIP).toBeUndefined();
    expect(find(out, 'Service', 'session-headless').spec.clusterIP).toBe('None');
    expect(find(out, 'StatefulSet', 'session').spec.serviceName).toBe('session-headless');
    expect(find(out, 'DestinationRule', 'session').spec).toMatchObject({
      host: 'session', trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: 'x-session-id' } } },
    });
    expect(session.governingService).toBe('session-headless');
    expect(session.podHostnames).toEqual([`session-0.session-headless.${chart.namespace}.svc.cluster.local`]);
  });
});

describe("MESH068: a consistent hash by the application's own session cookie", () => {
  const cookieFound = (manifests: Record<string, any>[]) =>
    analyze(manifests).filter((f) => f.code === 'MESH068').map((f) => `${f.field} ${f.severity ?? 'error'}: ${f.message}`);
  const hashed = (httpCookie: Record<string, any>) => dr({ trafficPolicy: { loadBalancer: { consistentHash: { httpCookie } } } });

  test("JSESSIONID with a ttl: Envoy sets its own cookie of that name beside the servlet container's; without one, a first request's session hashes elsewhere", () => {
    expect(cookieFound([hashed({ name: 'JSESSIONID', ttl: '28800s', path: '/' })])).toEqual([expect.stringMatching(
      /^spec\.trafficPolicy\.loadBalancer\.consistentHash\.httpCookie\.name warning: hashes session by cookie JSESSIONID, the session cookie a Java servlet container sets itself: where a request has none, Envoy sets its own JSESSIONID/)]);
    expect(cookieFound([hashed({ name: 'PHPSESSID' })])).toEqual([expect.stringMatching(/PHP sets itself: a first request, which has none, goes to any pod/)]);
    // a subset's own balancer is judged too
    expect(cookieFound([dr({ subsets: [{ name: 'v2', labels: { version: 'v2' },
      trafficPolicy: { loadBalancer: { consistentHash: { httpCookie: { name: 'connect.sid', ttl: '60s' } } } } }] })]))
      .toEqual([expect.stringMatching(/^spec\.subsets\[0\]\.trafficPolicy\.loadBalancer\.consistentHash\.httpCookie\.name warning: .*express-session/)]);
  });

  test("a cookie of Envoy's own name, or a header hash, is not reported", () => {
    expect(cookieFound([hashed({ name: 'mesh-affinity', ttl: '3600s' })])).toEqual([]);
    expect(cookieFound([dr({ trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: 'JSESSIONID' } } } })])).toEqual([]);
  });

  test('a MeshService hashed by JSESSIONID is reported at synth, on its DestinationRule', () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'shop', { image: 'shop:1', loadBalancer: ConsistentHash.cookie('JSESSIONID', Duration.hours(8)) });
    synth(app);
    expect(app.warnings.filter((w) => w.includes('MESH068'))).toEqual([
      expect.stringMatching(/^\[test\/shop\/DestinationRule\] test\/DestinationRule\/shop: spec\.trafficPolicy\.loadBalancer\.consistentHash\.httpCookie\.name: .*\[MESH068\]/),
    ]);
  });
});
