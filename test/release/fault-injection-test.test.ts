import { Cron, Duration } from 'cdk8s';
import * as yaml from 'yaml';
import { MeshService, Percentage } from '../../src';
import { FaultInjectionTest, FaultInjectionTestProps } from '../../src/release/fault-injection-test';
import { FlaggerCanary } from '../../src/release/flagger-canary';
import { find, meshChart, synth, synthError } from '../util';

/** Seed 003: 500ms on 10% of the requests, 503 on 5%. */
const SEED_003 = {
  delay: { fixedDelay: Duration.millis(500), percentage: Percentage.of(10) },
  abort: { httpStatus: 503, percentage: Percentage.of(5) },
};

function setup(props: Partial<FaultInjectionTestProps> = {}, environment = 'staging', production = environment === 'production') {
  const { app, chart } = meshChart({ namespace: 'staging', environment, production });
  const order = new MeshService(chart, 'order-service', { image: 'order:1' });
  const payment = new MeshService(chart, 'payment-service', { image: 'payment:1' });
  new FaultInjectionTest(chart, 'faults', { services: [payment, order], ...SEED_003, ...props });
  return { app, chart, order, payment };
}

describe('FaultInjectionTest', () => {
  test('default output', () => {
    const m = synth(setup().app).filter((r) => ['CronJob', 'ConfigMap', 'Role', 'RoleBinding', 'ServiceAccount'].includes(r.kind) && r.metadata.name.startsWith('fault'));
    expect(m).toMatchSnapshot();
  });

  test('the job may reach DNS and the API server through the namespace\'s deny-by-default network policy', () => {
    const m = synth(setup().app);
    const job = find(m, 'CronJob', 'fault-injection-test');
    const podLabels = job.spec.jobTemplate.spec.template.metadata.labels;
    const policy = find(m, 'NetworkPolicy', 'fault-injection-test');
    expect(podLabels).toMatchObject(policy.spec.podSelector.matchLabels);
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec.ingress).toEqual([]);
    expect(policy.spec.egress).toEqual([
      { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] },
      { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 443, protocol: 'TCP' }, { port: 6443, protocol: 'TCP' }] },
    ]);
  });

  test("seed 003's weekly CronJob: Monday 10:00 JST is 01:00 UTC, applies then removes the faults", () => {
    const m = synth(setup().app);
    const job = find(m, 'CronJob', 'fault-injection-test');
    expect(job.metadata.namespace).toBe('staging');
    expect(job.spec.schedule).toBe('0 1 * * 1');
    const pod = job.spec.jobTemplate.spec.template.spec;
    expect(pod.restartPolicy).toBe('OnFailure');
    expect(job.spec.jobTemplate.spec.template.metadata.annotations).toEqual({ 'sidecar.istio.io/inject': 'false' });
    expect(job.spec.jobTemplate.spec.template.metadata.labels).toMatchObject({ app: 'fault-injection-test' });
    expect(pod.serviceAccountName).toBe('fault-injection-test');
    const script = pod.containers[0].command[2] as string;
    const on = script.indexOf('kubectl apply -f /config/order-service.fault-on.yaml -f /config/payment-service.fault-on.yaml');
    const sleep = script.indexOf('sleep 1800');
    expect(on).toBeGreaterThan(-1);
    expect(sleep).toBeGreaterThan(on);
    expect(script).toContain("trap 'kubectl apply -f /config/order-service.fault-off.yaml -f /config/payment-service.fault-off.yaml' EXIT");
    expect(pod.containers[0].volumeMounts).toEqual(expect.arrayContaining([expect.objectContaining({ mountPath: '/config' })]));
    expect(pod.volumes).toEqual(expect.arrayContaining([{ name: 'config', configMap: { name: 'fault-injection-test-config' } }]));
  });

  test('the ServiceAccount may only get and patch VirtualServices in the namespace', () => {
    const m = synth(setup().app);
    expect(find(m, 'Role', 'fault-injection-test').rules).toEqual([
      { apiGroups: ['networking.istio.io'], resources: ['virtualservices'], verbs: ['get', 'patch'] },
    ]);
    const binding = find(m, 'RoleBinding', 'fault-injection-test');
    expect(binding.roleRef).toMatchObject({ kind: 'Role', name: 'fault-injection-test' });
    expect(binding.subjects).toEqual([expect.objectContaining({ kind: 'ServiceAccount', name: 'fault-injection-test', namespace: 'staging' })]);
  });

  test("the ConfigMap holds each host's one VirtualService, off as rendered and on with seed 003's faults", () => {
    const m = synth(setup().app);
    const data = find(m, 'ConfigMap', 'fault-injection-test-config').data;
    expect(Object.keys(data)).toEqual([
      'order-service.fault-off.yaml', 'order-service.fault-on.yaml', 'payment-service.fault-off.yaml', 'payment-service.fault-on.yaml',
    ]);
    const vs = find(m, 'VirtualService', 'order-service');
    expect(yaml.parse(data['order-service.fault-off.yaml'])).toEqual(vs);
    const on = yaml.parse(data['order-service.fault-on.yaml']);
    expect(on.metadata).toEqual(vs.metadata);
    expect(on.spec.http).toHaveLength(vs.spec.http.length);
    expect(on.spec.http[0]).toEqual({
      ...vs.spec.http[0],
      fault: { delay: { percentage: { value: 10 }, fixedDelay: '500ms' }, abort: { percentage: { value: 5 }, httpStatus: 503 } },
    });
    // The host's own VirtualService carries no fault: only the CronJob switches it on.
    expect(vs.spec.http[0].fault).toBeUndefined();
  });

  test('permanent: the faults go into the host\'s one VirtualService, no CronJob', () => {
    const m = synth(setup({ permanent: true, abort: undefined }).app);
    expect(m.filter((r) => r.kind === 'CronJob')).toHaveLength(0);
    expect(find(m, 'VirtualService', 'payment-service').spec.http[0].fault).toEqual({ delay: { fixedDelay: '500ms', percentage: { value: 10 } } });
    expect(m.filter((r) => r.kind === 'VirtualService')).toHaveLength(2);
  });

  test('schedule, duration, name and image are props', () => {
    const m = synth(setup({ schedule: Cron.schedule({ minute: '30', hour: '2', weekDay: '3' }), testDuration: Duration.minutes(5), name: 'chaos', image: 'kubectl:1' }).app);
    const job = find(m, 'CronJob', 'chaos');
    expect(job.spec.schedule).toBe('30 2 * * 3');
    expect(job.spec.jobTemplate.spec.template.spec.containers[0].image).toBe('kubectl:1');
    expect(job.spec.jobTemplate.spec.template.spec.containers[0].command[2]).toContain('sleep 300');
    expect(find(m, 'ConfigMap', 'chaos-config').metadata.namespace).toBe('staging');
  });

  describe('validation', () => {
    test('review item 9: the guard reads the environment\'s production flag, not its name', () => {
      // An environment called `prod` serving real users gets no fault...
      expect(synthError(setup({}, 'prod', true).app)).toMatch(/\[test\/faults\] environment: fault injection in production .*\[MESH308\]/);
      // ...and one called `production` that does not (a rehearsal cluster, say) may run the test.
      expect(() => synth(setup({}, 'production', false).app)).not.toThrow();
    });

    test('production fails unless forced', () => {
      expect(synthError(setup({}, 'production').app)).toMatch(/\[test\/faults\] environment: fault injection in production .*\[MESH308\]/);
      expect(() => synth(setup({ forceInProduction: true }, 'production').app)).not.toThrow();
    });

    test.each([[199], [600], [503.5]])('abort status %d', (httpStatus) => {
      expect(synthError(setup({ abort: { httpStatus, percentage: Percentage.of(5) } }).app))
        .toMatch(/\[test\/faults\] abort\.httpStatus: must be an HTTP status from 200 to 599, got .*\[MESH307\]/);
    });

    test('abort status boundaries 200 and 599 are accepted', () => {
      for (const httpStatus of [200, 599]) expect(() => synth(setup({ abort: { httpStatus, percentage: Percentage.of(5) } }).app)).not.toThrow();
    });

    test('percentages outside 0-100 are refused at once, 0% fails synth, 100% is accepted', () => {
      expect(() => Percentage.of(100.1)).toThrow(/\[MESH004\]/);
      expect(() => Percentage.of(-0.1)).toThrow(/\[MESH004\]/);
      expect(synthError(setup({ delay: { fixedDelay: Duration.millis(500), percentage: Percentage.of(0) } }).app))
        .toMatch(/\[test\/faults\] delay\.percentage: is 0%.*\[MESH307\]/);
      expect(() => synth(setup({ abort: { httpStatus: 503, percentage: Percentage.of(100) } }).app)).not.toThrow();
    });

    test('no fault at all, and a delay under 1ms', () => {
      expect(synthError(setup({ delay: undefined, abort: undefined }).app)).toMatch(/\[test\/faults\] delay: a fault injection test needs a delay or an abort \[MESH307\]/);
      expect(synthError(setup({ delay: { fixedDelay: Duration.millis(0.5), percentage: Percentage.of(1) } }).app)).toMatch(/\[test\/faults\] delay\.fixedDelay: .*\[MESH010\]/);
    });

    test('a host whose VirtualService Flagger owns', () => {
      const { app, chart, order } = setup();
      new FlaggerCanary(chart, 'flagger', { service: order, stepWeight: 10 });
      expect(synthError(app)).toMatch(/\[test\/faults\] services: order-service's VirtualService is written by flagger.*\[MESH306\]/);
    });
  });
});
