import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import {
  ConsistentHash, EdgeGateway, LoadBalancer, LocalityLbSetting, LocalityLoadBalancing, MeshService, Retries, StringMatch, Tier, TierDefaults,
} from '../../src';
import { find, meshChart, synth } from '../util';

import { SRC, tsFilesUnder } from './source';

const read = (rel: string) => fs.readFileSync(path.join(SRC, rel), 'utf8');
/** Every .ts file under `dir` (relative to src/), as paths relative to src/. */
const tsFiles = (dir: string): string[] => tsFilesUnder(path.join(SRC, dir)).map((f) => path.relative(SRC, f));

const isRenderer = (f: string) => f.endsWith('.render.ts');
/** The traffic files but their renderers: intent and values, no generated types. */
const TRAFFIC_OUTSIDE_RENDER = [
  ...[...tsFiles('views/traffic'), ...tsFiles('graph/traffic')].filter((f) => !isRenderer(f)),
  'core/load-balancer.ts', 'core/locality-lb.ts', 'core/retries.ts', 'core/traffic-policy.ts', 'core/weight.ts', 'core/weight-split.ts',
  'core/tier.ts', 'graph/tier-defaults.ts',
];
/** The traffic renderers, each beside the construct whose objects it builds. */
const TRAFFIC_RENDER = [...tsFiles('graph/traffic'), ...tsFiles('views/traffic')].filter(isRenderer);

function gatewayRoute() {
  const { app, chart } = meshChart();
  const web = new MeshService(chart, 'web', { image: 'img' });
  const gateway = new EdgeGateway(chart, 'edge', { servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] });
  const route = gateway.route(web, { match: [{ uri: StringMatch.prefix('/') }], virtualServiceName: 'public' });
  return { app, gateway, route };
}

describe('traffic: default children', () => {
  test("the route that opens an EdgeGateway's VirtualService holds it as its default child, and ApiObject.of reaches it", () => {
    // GIVEN a gateway route
    const { app, route } = gatewayRoute();
    // THEN the child 'Resource' is the VirtualService the user can patch
    const vs = ApiObject.of(route);
    expect(route.node.defaultChild).toBe(vs);
    expect(vs.node.id).toBe('Resource');
    expect([vs.apiVersion, vs.kind, vs.name]).toEqual(['networking.istio.io/v1', 'VirtualService', 'public']);
    // AND a patch on it shows in the output (the user's escape hatch)
    vs.addJsonPatch(JsonPatch.add('/spec/exportTo', ['.']));
    expect(find(synth(app), 'VirtualService', 'public').spec).toMatchObject({ gateways: ['edge'], exportTo: ['.'] });
  });

  test('a gateway route works its defaults out once, into readonly fields', () => {
    const { gateway, route } = gatewayRoute();
    expect(route.node.scope).toBe(gateway);
    expect([route.gatewayRef, route.virtualServiceName, route.hosts, route.pathPrefix, route.paths]).toEqual(['production/edge', 'public', ['*'], undefined, ['/*']]);
    expect((route as unknown as Record<string, unknown>).props).toBeUndefined();
  });

  test('LocalityLoadBalancing and TierDefaults write no object of their own: they shape the service DestinationRule', () => {
    const { app, chart } = meshChart();
    new TierDefaults(chart, 'TierDefaults', { tiers: { service: { timeout: Duration.seconds(20) } } });
    const db = new MeshService(chart, 'db', { image: 'img' });
    const locality = new LocalityLoadBalancing(chart, 'locality', { service: db, failover: [{ from: 'us-east', to: 'us-west' }], sameZoneFirst: true });
    expect(locality.node.defaultChild).toBeUndefined();
    expect(chart.node.findChild('TierDefaults').node.children).toEqual([]);
    expect(locality.failover).toEqual([{ from: 'us-east', to: 'us-west' }]);
    const dr = find(synth(app), 'DestinationRule', 'db');
    expect(dr.spec.trafficPolicy.loadBalancer.localityLbSetting).toEqual({ enabled: true, failover: [{ from: 'us-east', to: 'us-west' }] });
  });

  test('TierDefaults.of creates nothing: the same built-in instance for every tree, outside any app', () => {
    const a = meshChart().chart;
    const b = meshChart().chart;
    const countA = a.node.findAll().length;
    expect(TierDefaults.of(a)).toBe(TierDefaults.of(b));
    expect(TierDefaults.of(a).node.root).not.toBe(a.node.root);
    expect(a.node.findAll().length).toBe(countA);
  });
});

describe('traffic: shapes that render themselves', () => {
  test('LoadBalancer.consistentHash is the ConsistentHash class: static factories, one shape per key', () => {
    expect(LoadBalancer.consistentHash).toBe(ConsistentHash);
    const shapes: [LoadBalancer, object][] = [
      [LoadBalancer.roundRobin(), { simple: 'ROUND_ROBIN' }],
      [ConsistentHash.header('X-User'), { consistentHash: { httpHeaderName: 'x-user' } }],
      [ConsistentHash.cookie('session', Duration.minutes(1)), { consistentHash: { httpCookie: { name: 'session', path: undefined, ttl: '60s' } } }],
      [ConsistentHash.sourceIp(), { consistentHash: { useSourceIp: true } }],
      [ConsistentHash.queryParameter('user'), { consistentHash: { httpQueryParameterName: 'user' } }],
    ];
    for (const [lb, istio] of shapes) expect(lb._toIstio()).toStrictEqual(istio);
    expect(ConsistentHash.sourceIp()).toBeInstanceOf(LoadBalancer);
  });

  test('Retries: off and on are two shapes; each merges and renders itself', () => {
    const base = Retries.of({ attempts: 3, perTryTimeout: Duration.seconds(2), retryOn: ['5xx'] });
    expect(Retries.none()._toIstio()).toEqual({ attempts: 0 });
    expect(Retries.none().over(base)).toEqual(Retries.none());
    expect(Retries.of({ attempts: 0 })._toIstio()).toEqual({ attempts: 0 });
    // contradictory settings are written as given (MESH014 reports them)
    expect(Retries.of({ attempts: 0, retryOn: ['reset'] })._toIstio()).toEqual({ attempts: 0, retryOn: 'reset' });
    expect(Retries.of({ attempts: 1 }).over(base)._toIstio()).toEqual({ attempts: 1, perTryTimeout: '2s', retryOn: '5xx' });
    expect(Retries.of({ attempts: 1 }).over(Retries.none())._toIstio()).toEqual({ attempts: 1 });
    expect([Retries.none().disabled, base.disabled]).toEqual([true, false]);
  });

  test('LocalityLbSetting: nearest, failover or distribute, never both', () => {
    expect(LocalityLbSetting.nearest()._toIstio()).toStrictEqual({ enabled: true });
    expect(LocalityLbSetting.failover([{ from: 'a', to: 'b' }])._toIstio()).toStrictEqual({ enabled: true, failover: [{ from: 'a', to: 'b' }] });
    expect(LocalityLbSetting.distribute([{ from: 'a/*', to: { 'a/*': 100 } }])._toIstio()).toStrictEqual({ enabled: true, distribute: [{ from: 'a/*', to: { 'a/*': 100 } }] });
  });

  test("a LocalityLoadBalancing without failover or distribute: the caller's region first, or Istio's nearest-first order when zone first", () => {
    const { app, chart } = meshChart();
    const db = new MeshService(chart, 'db', { image: 'img', tier: Tier.SYSTEM });
    const cache = new MeshService(chart, 'cache', { image: 'img', tier: Tier.SYSTEM });
    new LocalityLoadBalancing(chart, 'locality', { service: db });
    new LocalityLoadBalancing(chart, 'cache-locality', { service: cache, sameZoneFirst: true });
    const out = synth(app);
    expect(find(out, 'DestinationRule', 'db').spec.trafficPolicy.loadBalancer).toEqual({ localityLbSetting: { enabled: true, failoverPriority: ['topology.kubernetes.io/region'] } });
    expect(find(out, 'DestinationRule', 'cache').spec.trafficPolicy.loadBalancer).toEqual({ localityLbSetting: { enabled: true } });
  });
});

describe('traffic: layers, read from the source', () => {
  test('no traffic renderer or traffic check reads an optional field with `!`', () => {
    // a non-null assertion: `x!.y`, `x!)`, `x!,`, `x!;` or `x!]` (not `!=`, not a leading `!x`)
    const bang = /[\w)\]]!(?=[.),;\]])/;
    const offenders = [...TRAFFIC_RENDER, ...TRAFFIC_OUTSIDE_RENDER]
      .flatMap((f) => read(f).split('\n').map((line, i) => ({ f, i: i + 1, line })))
      .filter(({ line }) => bang.test(line.replace(/(['"`]).*?\1/g, '')))
      .map(({ f, i, line }) => `${f}:${i}: ${line.trim()}`);
    expect(offenders).toEqual([]);
  });

  test('the weights-off-100 rule of a route is written once (core/weight-split.ts)', () => {
    const files = tsFiles('.').filter((f) => /(?<!locality )weights sum to \$\{/.test(read(f)));
    expect(files).toEqual([path.join('core', 'weight-split.ts')]);
    // and the locality shares' own rule (istiod's ValidateLocalityLbSetting), once, over rendered DestinationRules
    expect(tsFiles('.').filter((f) => /locality weights sum to|shares sum to/.test(read(f)))).toEqual([path.join('validate', 'webhook', 'locality.ts')]);
  });
});
