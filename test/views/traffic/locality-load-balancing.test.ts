import { Duration } from 'cdk8s';
import { LoadBalancer, LocalityLoadBalancing, LocalityLoadBalancingProps, MeshService, Tier, TierDefaults, Weight } from '../../../src';
import { find, meshChart, synth, synthError } from '../../util';

function build(props: Omit<LocalityLoadBalancingProps, 'service'>, lb?: LoadBalancer) {
  const { app, chart } = meshChart();
  const service = new MeshService(chart, 'database-service', { image: 'db:1', loadBalancer: lb });
  new LocalityLoadBalancing(chart, 'locality', { service, ...props });
  return app;
}

const SEED_002 = [{ from: 'us-east', to: 'us-west' }, { from: 'us-west', to: 'eu-west' }];

describe('LocalityLoadBalancing', () => {
  test("seed 004's two regions, each failing over to the other: the caller's region first, every zone alike, then the other region", () => {
    const dr = find(synth(build({ failover: [{ from: 'asia-northeast1', to: 'asia-northeast2' }, { from: 'asia-northeast2', to: 'asia-northeast1' }] })),
      'DestinationRule', 'database-service');
    // failoverPriority on the region label alone: no zone preference, so 3 pods over 3 zones share every zone's callers.
    expect(dr.spec.trafficPolicy.loadBalancer).toEqual({ localityLbSetting: { enabled: true, failoverPriority: ['topology.kubernetes.io/region'] } });
    expect(find(synth(build({})), 'DestinationRule', 'database-service').spec.trafficPolicy.loadBalancer)
      .toEqual({ localityLbSetting: { enabled: true, failoverPriority: ['topology.kubernetes.io/region'] } });
  });

  test("seed 002's order among three regions needs Istio's zone-first order (MESH512)", () => {
    expect(synthError(build({ failover: SEED_002 }))).toMatch(
      /\[test\/locality\] failover: an order among 3 regions \(eu-west, us-east, us-west\) needs Istio's zone-first order: set sameZoneFirst.*\[MESH512\]/);
  });

  test("seed 002's failover, zone first, field by field, next to outlier detection (snapshot)", () => {
    const dr = find(synth(build({ failover: SEED_002, sameZoneFirst: true })), 'DestinationRule', 'database-service');
    expect(dr.spec.trafficPolicy).toMatchSnapshot();
    expect(dr.spec.trafficPolicy.loadBalancer).toEqual({
      localityLbSetting: { enabled: true, failover: [{ from: 'us-east', to: 'us-west' }, { from: 'us-west', to: 'eu-west' }] },
    });
    expect(dr.spec.trafficPolicy.outlierDetection).toBeDefined();
  });

  test('merges with the simple load balancer', () => {
    const dr = find(synth(build({ failover: SEED_002, sameZoneFirst: true }, LoadBalancer.roundRobin())), 'DestinationRule', 'database-service');
    expect(dr.spec.trafficPolicy.loadBalancer).toEqual({
      simple: 'ROUND_ROBIN',
      localityLbSetting: { enabled: true, failover: SEED_002 },
    });
  });

  test('distribute renders shares per locality, sorted', () => {
    const dr = find(synth(build({ distribute: [{ from: 'us-west/zone1/*', to: { 'us-west/zone2/*': Weight.percent(20), 'us-west/zone1/*': Weight.percent(80) } }] })), 'DestinationRule', 'database-service');
    expect(dr.spec.trafficPolicy.loadBalancer.localityLbSetting.distribute).toEqual([{ from: 'us-west/zone1/*', to: { 'us-west/zone1/*': 80, 'us-west/zone2/*': 20 } }]);
    expect(Object.keys(dr.spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to)).toEqual(['us-west/zone1/*', 'us-west/zone2/*']);
  });

  // istiod's own locality rules are checked once, over the rendered DestinationRule (as for a
  // hand-written one), so synth names the service's DestinationRule and the field.
  test('a failover whose from equals its to fails synth (MESH502)', () => {
    expect(synthError(build({ failover: [{ from: 'us-east', to: 'us-east' }], sameZoneFirst: true }))).toMatch(
      /\[test\/database-service\/DestinationRule\] test\/DestinationRule\/database-service: spec\.trafficPolicy\.loadBalancer\.localityLbSetting\.failover\[0\]: failover from 'us-east' to itself.*\[MESH502\]/);
    // Region first renders no pairs: the construct reports it.
    expect(synthError(build({ failover: [{ from: 'us-east', to: 'us-east' }] }))).toMatch(/\[test\/locality\] failover\[0\]: failover from 'us-east' to itself \[MESH502\]/);
  });

  test("shares that do not sum to 100 fail synth (MESH506), on the service's DestinationRule", () => {
    const err = synthError(build({ distribute: [{ from: 'us-west', to: { 'us-west': Weight.percent(60), 'us-east': Weight.percent(39) } }] }));
    expect(err).toMatch(/\[test\/database-service\/DestinationRule\] .*localityLbSetting\.distribute\[0\]\.to: locality weights sum to 99, expected 100 \[MESH506\]/);
    expect(err).toMatch(/\(1; nothing was written\)/);
  });

  test('a service without outlier detection fails synth (MESH503)', () => {
    const { app, chart } = meshChart();
    new TierDefaults(chart, 'TierDefaults', { tiers: { bare: { timeout: Duration.seconds(1) } } });
    const service = new MeshService(chart, 'bare-service', { image: 'x', tier: Tier.named('bare') });
    new LocalityLoadBalancing(chart, 'locality', { service, failover: SEED_002, sameZoneFirst: true });
    expect(synthError(app)).toMatch(/\[test\/locality\] service test\/bare-service has no outlierDetection.*\[MESH503\]/);
  });

  test.each([
    [{ failover: SEED_002, distribute: [], sameZoneFirst: true }, /failover and distribute are both set.*\[MESH506\]/],
    [{ failover: [{ from: 'us east', to: 'us-west' }] }, /failover\[0\]\.from: 'us east' is not a region name \[MESH506\]/],
    [{ failover: [{ from: 'a', to: 'b' }, { from: 'a', to: 'c' }] }, /failover\[1\]\.from: 'a' fails over twice \[MESH506\]/],
  ] as [Omit<LocalityLoadBalancingProps, 'service'>, RegExp][])('bad settings fail synth: %j', (props, message) => {
    const err = synthError(build(props));
    expect(err).toMatch(/\[test\/locality\]/);
    expect(err).toMatch(message);
  });

  test('a second contributor for the same host is a conflict (MESH015)', () => {
    const { app, chart } = meshChart();
    const service = new MeshService(chart, 'db', { image: 'x' });
    new LocalityLoadBalancing(chart, 'a', { service, failover: SEED_002 });
    new LocalityLoadBalancing(chart, 'b', { service, failover: SEED_002 });
    expect(synthError(app)).toMatch(/locality load balancing of host db is set by both test\/a and test\/b \[MESH015\]/);
  });
});
