import { Duration, Size } from 'cdk8s';
import { Construct } from 'constructs';
import {
  BlueGreenRelease, CanaryPlan, CanaryRelease, Cidr, EnvVarValue, FaultInjectionTest, IVersionedService, LoadBalancer, MeshService, Percentage,
  Weight,
} from '../../src';
import { find, meshChart, synth, synthError } from '../util';

const w = Weight.percent;
const route = (subset: string, weight: number) => ({ destination: { host: 'reviews', subset }, weight });

function reviews() {
  const { app, chart } = meshChart();
  const svc = new MeshService(chart, 'reviews', {
    image: 'reviews:v1', version: 'v1', subset: 'v1', ports: [{ port: 9080 }], env: { LOG_DIR: EnvVarValue.of('/tmp/logs') },
  });
  return { app, chart, svc };
}

describe('versions', () => {
  test('any number of versions, each its own Deployment with image, replicas, resources and env', () => {
    const { app, svc } = reviews();
    const v2 = svc.addVersion({ name: 'v2', image: 'reviews:v2', replicas: 3, env: { ENABLE_RATINGS: EnvVarValue.of('true') } });
    svc.addVersion({ name: 'v3', image: 'reviews:v3', resources: { memoryLimit: Size.mebibytes(1024) }, env: { STAR_COLOR: EnvVarValue.of('red') } });
    expect(v2).toEqual({ name: 'v2', subset: 'v2', deploymentName: 'reviews-v2', image: 'reviews:v2', replicas: 3 });
    const out = synth(app);
    const deployments = out.filter((m) => m.kind === 'Deployment').map((m) => m.metadata.name).sort();
    expect(deployments).toEqual(['reviews', 'reviews-v2', 'reviews-v3']);
    const d3 = find(out, 'Deployment', 'reviews-v3');
    expect(d3.spec.selector.matchLabels).toEqual({ app: 'reviews', version: 'v3' });
    expect(d3.spec.replicas).toBe(2);
    const c3 = d3.spec.template.spec.containers[0];
    expect(c3.image).toBe('reviews:v3');
    expect(c3.resources.limits.memory).toBe('1024Mi');
    expect(c3.env).toEqual([{ name: 'LOG_DIR', value: '/tmp/logs' }, { name: 'STAR_COLOR', value: 'red' }]);
    expect(find(out, 'Deployment', 'reviews-v2').spec.template.spec.containers[0].env)
      .toEqual([{ name: 'ENABLE_RATINGS', value: 'true' }, { name: 'LOG_DIR', value: '/tmp/logs' }]);
    expect(find(out, 'DestinationRule', 'reviews').spec.subsets).toEqual([
      { name: 'v1', labels: { version: 'v1' } },
      { name: 'v2', labels: { version: 'v2' } },
      { name: 'v3', labels: { version: 'v3' } },
    ]);
    // Without a split, everything still goes to the current version.
    expect(find(out, 'VirtualService', 'reviews').spec.http[0].route).toEqual([route('v1', 100)]);
  });

  test('subsets named by the user, with their own traffic policy; a weighted split over any subsets', () => {
    const { app, svc } = reviews();
    svc.addVersion({
      name: 'v2',
      subset: 'black-stars',
      trafficPolicy: {
        loadBalancer: LoadBalancer.roundRobin(),
        connectionPool: { tcp: { maxConnections: 10 } },
        outlierDetection: { consecutive5xxErrors: 2, interval: Duration.seconds(5) },
      },
    });
    svc.addVersion({ name: 'v3', subset: 'red-stars' });
    svc.setSplit([{ subset: 'black-stars', weight: w(50) }, { subset: 'red-stars', weight: w(50) }]);
    const out = synth(app);
    expect(find(out, 'DestinationRule', 'reviews').spec.subsets[1]).toEqual({
      name: 'black-stars',
      labels: { version: 'v2' },
      trafficPolicy: {
        loadBalancer: { simple: 'ROUND_ROBIN' },
        connectionPool: { tcp: { maxConnections: 10 } },
        outlierDetection: { consecutive5xxErrors: 2, interval: '5s' },
      },
    });
    expect(find(out, 'VirtualService', 'reviews').spec.http[0].route).toEqual([route('black-stars', 50), route('red-stars', 50)]);
  });

  test('a canary of v3 at 10% while v1 and v2 share the rest by their weights', () => {
    const { app, chart, svc } = reviews();
    svc.addVersion({ name: 'v2' });
    new CanaryRelease(chart, 'reviews-v3', {
      service: svc, image: 'reviews:v3', version: 'v3', subset: 'v3', plan: CanaryPlan.steps([10, 50, 100]), phase: 'canary-10',
      baseline: [{ subset: 'v1', weight: w(50) }, { subset: 'v2', weight: w(50) }],
    });
    const out = synth(app);
    expect(find(out, 'VirtualService', 'reviews').spec.http[0].route).toEqual([route('v1', 45), route('v2', 45), route('v3', 10)]);
    expect(find(out, 'DestinationRule', 'reviews').spec.subsets.map((s: any) => s.name)).toEqual(['v1', 'v2', 'v3']);
  });

  test.each([
    [5, [32, 32, 31, 5]],
    [50, [17, 17, 16, 50]],
    [99, [1, 0, 0, 99]],
  ])('shares of the rest are whole percent summing to 100 (canary %i)', (canary, expected) => {
    const { app, chart, svc } = reviews();
    svc.addVersion({ name: 'v2' });
    svc.addVersion({ name: 'v4' });
    new CanaryRelease(chart, 'reviews-v3', {
      service: svc, image: 'reviews:v3', version: 'v3', plan: CanaryPlan.steps([canary, 100]), phase: `canary-${canary}`,
      baseline: [{ subset: 'v1', weight: w(34) }, { subset: 'v2', weight: w(33) }, { subset: 'v4', weight: w(33) }],
    });
    const weights = find(synth(app), 'VirtualService', 'reviews').spec.http[0].route.map((r: any) => r.weight);
    expect(weights).toEqual(expected);
    expect(weights.reduce((a: number, b: number) => a + b, 0)).toBe(100);
  });
});

describe('bad versions', () => {
  test('two versions with one name, a subset that is not a DNS-1123 label, weights not 100', () => {
    const { app, svc } = reviews();
    svc.addVersion({ name: 'v2' });
    svc.addVersion({ name: 'v2' });
    svc.addVersion({ name: 'v3', subset: 'Red_Stars' });
    svc.setSplit([{ subset: 'v1', weight: w(50) }, { subset: 'v2', weight: w(40) }]);
    const err = synthError(app);
    expect(err).toMatch(/\[test\/reviews\] versions\[1\]\.name: version 'v2' is defined twice \[MESH025\]/);
    expect(err).toMatch(/\[test\/reviews\] versions\[2\]\.subset: 'Red_Stars' .*\[MESH026\]/);
    expect(err).toMatch(/\[test\/reviews\] default route: weights sum to 90, expected 100 \(v1 50, v2 40\) \[MESH012\]/);
  });

  test('a version that is the current one, a canary version already added, a baseline not summing to 100', () => {
    const { app, chart, svc } = reviews();
    svc.addVersion({ name: 'v1' });
    svc.addVersion({ name: 'v2' });
    new CanaryRelease(chart, 'reviews-v2', {
      service: svc, image: 'reviews:v2', version: 'v2', plan: CanaryPlan.steps([10, 100]), phase: 'canary-10',
      baseline: [{ subset: 'v1', weight: w(60) }, { subset: 'v2', weight: w(30) }],
    });
    const err = synthError(app);
    expect(err).toMatch(/\[test\/reviews\] versions\[0\]\.name: version 'v1' is defined twice \[MESH025\]/);
    expect(err).toMatch(/\[test\/reviews-v2\] version: 'v2' is already a version of reviews \(addVersion\) \[MESH025\]/);
    expect(err).toMatch(/\[test\/reviews-v2\] baseline: weights sum to 90, expected 100 \(v1 60, v2 30\) \[MESH012\]/);
  });
});

describe('relations take interfaces', () => {
  /** A team's own construct around a MeshService, exposing only IVersionedService. */
  class PaymentService extends Construct implements IVersionedService {
    private readonly inner: MeshService;
    public constructor(scope: Construct, id: string) {
      super(scope, id);
      this.inner = new MeshService(scope, `${id}-service`, { name: 'payment', image: 'payment:1' });
    }
    public get name() {
      return this.inner.name;
    }
    public get namespace() {
      return this.inner.namespace;
    }
    public get serviceAccountName() {
      return this.inner.serviceAccountName;
    }
    public get principal() {
      return this.inner.principal;
    }
    public get selectorLabels() {
      return this.inner.selectorLabels;
    }
    public get ports() {
      return this.inner.ports;
    }
    public get traffic() {
      return this.inner.traffic;
    }
    public get version() {
      return this.inner.version;
    }
    public get subset() {
      return this.inner.subset;
    }
    public get replicas() {
      return this.inner.replicas;
    }
    public get versions() {
      return this.inner.versions;
    }
    public _addVersion(scope: Construct, id: string, o: { version: string; image: string; replicas: number }) {
      return this.inner._addVersion(scope, id, o);
    }
    public _retireCurrentVersion() {
      this.inner._retireCurrentVersion();
    }
    public _labelCurrentVersion(key: string, value: string) {
      this.inner._labelCurrentVersion(key, value);
    }
  }

  test('a wrapper construct can be called and canaried', () => {
    const { app, chart } = meshChart();
    const payment = new PaymentService(chart, 'payment');
    const order = new MeshService(chart, 'order', { image: 'order:1' });
    order.calls(payment, { methods: ['POST'], addressEnv: { name: 'PAYMENT_URL' } });
    new CanaryRelease(chart, 'payment-v2', { service: payment, image: 'payment:2', plan: CanaryPlan.steps([20, 100]), phase: 'canary-20' });
    const out = synth(app);
    expect(find(out, 'AuthorizationPolicy', 'payment-policy').spec.rules[0]).toEqual({
      from: [{ source: { principals: ['cluster.local/ns/production/sa/order'] } }], to: [{ operation: { methods: ['POST'] } }],
    });
    expect(find(out, 'Deployment', 'order').spec.template.spec.containers[0].env).toEqual([{ name: 'PAYMENT_URL', value: 'http://payment.production.svc.cluster.local:80' }]);
    expect(find(out, 'VirtualService', 'payment').spec.http[0].route.map((r: any) => [r.destination.subset, r.weight])).toEqual([
      ['stable', 80],
      ['canary', 20],
    ]);
  });

  test('the same wrapper takes a blue/green release: blue is the wrapped service\'s current Deployment', () => {
    const { app, chart } = meshChart();
    const payment = new PaymentService(chart, 'payment');
    new BlueGreenRelease(chart, 'payment-bg', { service: payment, image: 'payment:2', active: 'blue' });
    const out = synth(app);
    expect(find(out, 'Deployment', 'payment').spec.template.metadata.labels.deployment).toBe('blue');
    expect(find(out, 'Deployment', 'payment-v2').spec.template.metadata.labels.deployment).toBe('green');
    expect(find(out, 'DestinationRule', 'payment').spec.subsets.map((s: any) => [s.name, s.labels.deployment])).toEqual(
      expect.arrayContaining([['blue', 'blue'], ['green', 'green']]));
  });

  test('the same wrapper takes a fault test, which reads it through IRoutedService', () => {
    const { app, chart } = meshChart();
    const payment = new PaymentService(chart, 'payment');
    new FaultInjectionTest(chart, 'faults', {
      services: [payment],
      delay: { fixedDelay: Duration.millis(500), percentage: Percentage.of(10) },
      apiServer: { addresses: [Cidr.of('10.0.0.2/32')] },
      permanent: true,
    });
    const out = synth(app);
    expect(find(out, 'VirtualService', 'payment').spec.http[0].fault).toEqual({ delay: { fixedDelay: '500ms', percentage: { value: 10 } } });
  });
});
