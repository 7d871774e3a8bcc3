import { ApiObject, Cron, Duration, JsonPatch } from 'cdk8s';
import * as yaml from 'yaml';
import {
  Cidr, FaultInjectionTest, FaultInjectionTestProps, FlaggerCanary, KubectlImage, MeshChart, MeshPlatform, MeshService, Percentage,
} from '../../../src';
import { promtoolTestRules, ruleFileOf } from '../../promtool';
import { find, meshChart, synth, synthError } from '../../util';

/** Seed 003: 500ms on 10% of the requests, 503 on 5%. */
const SEED_003 = {
  delay: { fixedDelay: Duration.millis(500), percentage: Percentage.of(10) },
  abort: { httpStatus: 503, percentage: Percentage.of(5) },
};

/** The API server's endpoints as `kubectl get endpoints kubernetes` shows them on a kind cluster. */
const API_SERVER = { addresses: [Cidr.of('172.18.0.2/32')] };

function setup(props: Partial<FaultInjectionTestProps> = {}, environment = 'staging', production = environment === 'production') {
  const { app, chart } = meshChart({ namespace: 'staging', environment, production });
  const order = new MeshService(chart, 'order-service', { image: 'order:1' });
  const payment = new MeshService(chart, 'payment-service', { image: 'payment:1' });
  new FaultInjectionTest(chart, 'faults', { services: [payment, order], ...SEED_003, apiServer: API_SERVER, ...props });
  return { app, chart, order, payment };
}

const policy0 = (m: Record<string, any>[]) => find(m, 'NetworkPolicy', 'fault-injection-test');

describe('FaultInjectionTest', () => {
  test('default output', () => {
    const m = synth(setup().app).filter((r) => ['CronJob', 'ConfigMap', 'Role', 'RoleBinding', 'ServiceAccount', 'PrometheusRule'].includes(r.kind) && r.metadata.name.startsWith('fault'));
    expect(m).toMatchSnapshot();
  });

  test('the job may reach DNS and the API server through the namespace\'s deny-by-default network policy', () => {
    const m = synth(setup().app);
    const job = find(m, 'CronJob', 'fault-injection-test-on');
    const podLabels = job.spec.jobTemplate.spec.template.metadata.labels;
    expect(find(m, 'CronJob', 'fault-injection-test-off').spec.jobTemplate.spec.template.metadata.labels).toMatchObject(policy0(m).spec.podSelector.matchLabels);
    const policy = find(m, 'NetworkPolicy', 'fault-injection-test');
    expect(podLabels).toMatchObject(policy.spec.podSelector.matchLabels);
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec.ingress).toEqual([]);
    expect(policy.spec.egress).toEqual([
      { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] },
      { to: [{ ipBlock: { cidr: '172.18.0.2/32' } }], ports: [{ port: 443, protocol: 'TCP' }, { port: 6443, protocol: 'TCP' }] },
    ]);
  });

  test('the API server is named (MESH663), never a catch-all range (MESH067, as Cidr refuses one anywhere)', () => {
    expect(() => Cidr.of('0.0.0.0/0')).toThrow(/matches every address.*\[MESH067\]/);
    expect(() => Cidr.of('::/0')).toThrow(/\[MESH067\]/);
    expect(() => Cidr.of('10.0.0.256/32')).toThrow(/not a CIDR.*\[MESH067\]/);
    expect(() => Cidr.of('10.0.0.1/33')).toThrow(/not a CIDR.*\[MESH067\]/);
    expect(Cidr.of('10.0.0.0/1').value).toBe('10.0.0.0/1');
    expect(Cidr.of('fd00::/64').value).toBe('fd00::/64');
    expect(synthError(setup({ apiServer: undefined }).app)).toMatch(/\[test\/faults\] apiServer\.addresses: the scheduled job reaches the API server.*\[MESH663\]/);
    expect(() => synth(setup({ apiServer: undefined, permanent: true }).app)).not.toThrow();
    const m = synth(setup({ apiServer: { addresses: [Cidr.of('10.1.0.5/32'), Cidr.of('10.1.0.6/32')], ports: [6443] } }).app);
    expect(find(m, 'NetworkPolicy', 'fault-injection-test').spec.egress[1]).toEqual({
      to: [{ ipBlock: { cidr: '10.1.0.5/32' } }, { ipBlock: { cidr: '10.1.0.6/32' } }], ports: [{ port: 6443, protocol: 'TCP' }],
    });
    expect(synthError(setup({ apiServer: { addresses: API_SERVER.addresses, ports: [0] } }).app)).toMatch(/apiServer\.ports\[0\]/);
  });

  describe('the job reaches the API server, and nothing else (issue 12: jobs to the API server)', () => {
    const jobFlows = (chart: ReturnType<typeof setup>['chart']) => chart.intendedFlows()
      .filter((f) => 'workload' in f.source && f.source.workload === 'fault-injection-test-on')
      .map((f) => `${f.expect} ${f.target?.addresses?.join(',')}:${f.port}/${f.protocol} ${f.constructPath}`);

    test('each endpoint on each port must be reached, an address outside them refused; synth proves both', () => {
      const { app, chart } = setup({ apiServer: { addresses: [Cidr.of('10.1.0.5/32'), Cidr.of('10.2.0.0/24')], ports: [6443] } });
      expect(jobFlows(chart)).toEqual([
        'allow 10.1.0.5:6443/TCP test/faults',
        'allow 10.2.0.0:6443/TCP test/faults',
        'deny 203.0.113.1:6443/TCP test/faults',
      ]);
      expect(() => synth(app)).not.toThrow();
    });

    test('a NetworkPolicy that no longer admits the endpoints fails synth naming the job and MESH600', () => {
      // GIVEN the API server rule's range patched to another network (an escape hatch gone wrong)
      const { app, chart } = setup();
      const np = chart.node.findAll().find((c) => c.node.path === 'test/faults/NetworkPolicy')!;
      ApiObject.of(np).addJsonPatch(JsonPatch.replace('/spec/egress/1/to/0/ipBlock/cidr', '10.99.0.0/16'));
      // THEN both ports are refused by the job's policy
      const error = synthError(app);
      expect(error).toMatch(/\[test\/faults\] .*fault-injection-test-on reaches the API server at 172\.18\.0\.2\/32 on 443: refused by NetworkPolicy staging\/fault-injection-test \(NetworkPolicy egress\).*\[MESH600\]/);
      expect(error).toMatch(/fault-injection-test-off reaches the API server at 172\.18\.0\.2\/32 on 443: refused.*\[MESH600\]/);
      expect(error).toMatch(/at 172\.18\.0\.2\/32 on 6443: refused.*\[MESH600\]/);
    });

    test('a NetworkPolicy that admits any address on 443 fails synth with MESH601', () => {
      const { app, chart } = setup({ apiServer: { addresses: API_SERVER.addresses, ports: [443] } });
      const np = chart.node.findAll().find((c) => c.node.path === 'test/faults/NetworkPolicy')!;
      ApiObject.of(np).addJsonPatch(JsonPatch.replace('/spec/egress/1/to/0/ipBlock/cidr', '0.0.0.0/0'));
      expect(synthError(app)).toMatch(/\[test\/faults\] .*reaches 203\.0\.113\.1 \(not the API server\) on 443: must be refused but is allowed.*\[MESH601\]/);
    });

    test('the platform describes the API server; a job without apiServer takes its endpoints and ports', () => {
      const platform = MeshPlatform.of({ apiServer: { endpoints: [Cidr.of('fd00:10::1/128')], ports: [6443] } });
      expect(platform.apiServer).toEqual({ serviceName: 'kubernetes', namespace: 'default', endpoints: [Cidr.of('fd00:10::1/128')], ports: [6443], host: 'kubernetes.default.svc.cluster.local' });
      expect(MeshPlatform.default().apiServer.ports).toEqual([443, 6443]);
      expect(MeshPlatform.default().apiServer.endpoints).toEqual([]);
      const { app, chart } = meshChart({ namespace: 'staging', environment: 'staging', platform });
      new FaultInjectionTest(chart, 'faults', { services: [new MeshService(chart, 'order-service', { image: 'order:1' })], ...SEED_003 });
      const m = synth(app);
      expect(find(m, 'NetworkPolicy', 'fault-injection-test').spec.egress[1]).toEqual({ to: [{ ipBlock: { cidr: 'fd00:10::1/128' } }], ports: [{ port: 6443, protocol: 'TCP' }] });
      expect(jobFlows(chart)).toEqual(['allow fd00:10::1:6443/TCP test/faults', 'deny 203.0.113.1:6443/TCP test/faults']);
      expect(() => MeshPlatform.of({ apiServer: { ports: [70000] } })).toThrow(/apiServer\.ports\[0\].*\[MESH\d{3}\]/);
    });
  });

  describe('two CronJobs, each one kubectl call: the switch-off does not depend on the switch-on surviving the window', () => {
    const jobs = (props: Partial<FaultInjectionTestProps> = {}) => {
      const m = synth(setup(props).app);
      return { m, on: find(m, 'CronJob', 'fault-injection-test-on'), off: find(m, 'CronJob', 'fault-injection-test-off') };
    };
    const container = (job: any) => job.spec.jobTemplate.spec.template.spec.containers[0];

    test("seed 003's weekly test: on at Monday 01:00 UTC, off 30 minutes later, in an explicit time zone", () => {
      const { on, off } = jobs();
      expect([on.spec.schedule, off.spec.schedule, on.spec.timeZone, off.spec.timeZone]).toEqual(['0 1 * * 1', '30 1 * * 1', 'Etc/UTC', 'Etc/UTC']);
      expect(container(on).command).toEqual(['/usr/local/bin/kubectl', 'apply',
        '-f', '/config/order-service.fault-on.yaml', '-f', '/config/payment-service.fault-on.yaml']);
      expect(container(off).command).toEqual(['/usr/local/bin/kubectl', 'apply',
        '-f', '/config/order-service.fault-off.yaml', '-f', '/config/payment-service.fault-off.yaml']);
      // No shell: the image is kubectl alone.
      for (const job of [on, off]) expect(JSON.stringify(container(job))).not.toMatch(/\/bin\/sh|sleep|trap/);
    });

    test('the switch-on starts at most 5 minutes late, never after the switch-off; the switch-off up to a day late; 5 minutes a run', () => {
      const { on, off } = jobs();
      expect([on.spec.startingDeadlineSeconds, off.spec.startingDeadlineSeconds]).toEqual([300, 86400]);
      expect([on.spec.jobTemplate.spec.activeDeadlineSeconds, off.spec.jobTemplate.spec.activeDeadlineSeconds]).toEqual([300, 300]);
      // A 4-minute window: the switch-on may be at most 2 minutes late.
      expect(jobs({ testDuration: Duration.minutes(4) }).on.spec.startingDeadlineSeconds).toBe(120);
      for (const job of [on, off]) {
        expect(job.spec.concurrencyPolicy).toBe('Forbid');
        expect(job.spec.jobTemplate.spec.template.spec.restartPolicy).toBe('OnFailure');
      }
    });

    test("the image is the Kubernetes project's kubectl, pinned by digest and pulled once per node", () => {
      const { on } = jobs();
      expect(container(on).image).toBe('registry.k8s.io/kubectl:v1.31.12@sha256:e255270c7600de83dfe6ae824659ef927351e3fe898b854d98d0b5546fd03cdb');
      expect(container(on).imagePullPolicy).toBe('IfNotPresent');
      expect(() => KubectlImage.of('bitnami/kubectl:1.30')).toThrow(/must be pinned by digest.*\[MESH310\]/);
      expect(() => KubectlImage.of(`registry.example.com/kubectl@sha256:${'a'.repeat(63)}`)).toThrow(/\[MESH310\]/);
      expect(() => KubectlImage.of(`registry.example.com/tools/kubectl:1.31@sha256:${'a'.repeat(64)}`, { kubectlPath: 'kubectl' })).toThrow(/must be absolute.*\[MESH310\]/);
      const own = KubectlImage.of(`registry.example.com/tools/kubectl:1.31@sha256:${'a'.repeat(64)}`, { kubectlPath: '/bin/kubectl' });
      expect(container(jobs({ image: own }).on).command[0]).toBe('/bin/kubectl');
    });

    test('a schedule the switch-off cannot follow fails synth (MESH311): no single minute and hour, past midnight, not whole minutes, a bad zone', () => {
      expect(synthError(setup({ schedule: Cron.hourly() }).app)).toMatch(/\[test\/faults\] schedule: '0 \* \* \* \*' must name one minute and one hour.*\[MESH311\]/);
      expect(synthError(setup({ schedule: Cron.schedule({ minute: '45', hour: '23' }), testDuration: Duration.minutes(15) }).app))
        .toMatch(/testDuration: 23:45 plus 15 minutes ends after midnight.*\[MESH311\]/);
      expect(() => synth(setup({ schedule: Cron.schedule({ minute: '45', hour: '23' }), testDuration: Duration.minutes(14) }).app)).not.toThrow();
      expect(synthError(setup({ testDuration: Duration.seconds(90) }).app)).toMatch(/testDuration: must be whole minutes, at least 1, got 90s \[MESH311\]/);
      expect(synthError(setup({ timeZone: 'JST 9' }).app)).toMatch(/timeZone: 'JST 9' is not an IANA time zone name.*\[MESH311\]/);
    });

    test('an alert fires when the faults stay on past the window (FI, DI from the callers), a warning where the environment does not page', () => {
      const { m } = jobs();
      const rule = find(m, 'PrometheusRule', 'fault-injection-test-faults-left-on');
      expect(rule.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
      const alert = rule.spec.groups[0].rules[0];
      expect(alert).toMatchObject({ alert: 'FaultInjectionLeftOn', for: '40m', labels: { severity: 'warning', namespace: 'staging', environment: 'staging' } });
      expect(alert.expr).toBe('sum by (destination_service_name) (rate(istio_requests_total{reporter="source",destination_service=~"'
        + 'order-service\\\\.staging\\\\.svc\\\\.cluster\\\\.local|payment-service\\\\.staging\\\\.svc\\\\.cluster\\\\.local",response_flags=~".*(FI|DI).*"}[5m])) > 0');
      const file = ruleFileOf(rule);
      const series = (flags: string) => [{
        series: `istio_requests_total{reporter="source",destination_service="order-service.staging.svc.cluster.local",destination_service_name="order-service",response_flags="${flags}"}`,
        values: '0+10x120',
      }];
      const expected = [{ exp_labels: { ...alert.labels, destination_service_name: 'order-service' }, exp_annotations: { ...alert.annotations, summary: 'Injected faults are still on for order-service', description: alert.annotations.description.replace('{{ $labels.destination_service_name }}', 'order-service') } }];
      const r = promtoolTestRules(file, [
        { interval: '1m', input_series: series('FI'), alert_rule_test: [{ eval_time: '30m', alertname: 'FaultInjectionLeftOn', exp_alerts: [] }, { eval_time: '60m', alertname: 'FaultInjectionLeftOn', exp_alerts: expected }] },
        { interval: '1m', input_series: series('-'), alert_rule_test: [{ eval_time: '60m', alertname: 'FaultInjectionLeftOn', exp_alerts: [] }] },
      ]);
      expect(r.output).toContain('SUCCESS');
    });
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

  test('schedule, time zone, duration and name are props', () => {
    const m = synth(setup({ schedule: Cron.schedule({ minute: '30', hour: '2', weekDay: '3' }), timeZone: 'Asia/Tokyo', testDuration: Duration.minutes(45), name: 'chaos' }).app);
    expect([find(m, 'CronJob', 'chaos-on').spec.schedule, find(m, 'CronJob', 'chaos-off').spec.schedule]).toEqual(['30 2 * * 3', '15 3 * * 3']);
    expect(find(m, 'CronJob', 'chaos-off').spec.timeZone).toBe('Asia/Tokyo');
    expect(find(m, 'ConfigMap', 'chaos-config').metadata.namespace).toBe('staging');
  });

  test('two scheduled tests of one namespace need two names (MESH533), in one chart or in two charts of the app', () => {
    // GIVEN a second test beside setup()'s, both left to the default name
    const { app, chart, order } = setup();
    new FaultInjectionTest(chart, 'order-faults', { services: [order], ...SEED_003, apiServer: API_SERVER });
    // THEN synth fails on the second, naming the prop and the first test (before: MESH018 on each shared object)
    expect(synthError(app)).toMatch(
      /\[test\/order-faults\] name: 'fault-injection-test' \(the default\) is also the name of the fault test test\/faults in namespace staging: .*give each test a name of its own.*\[MESH533\]/);
    // AND two names, or a permanent test (it writes no object), or another namespace's test are fine
    for (const props of [{ name: 'order-faults' }, { permanent: true }]) {
      const s = setup();
      new FaultInjectionTest(s.chart, 'order-faults', { services: [s.order], ...SEED_003, apiServer: API_SERVER, ...props });
      expect(() => synth(s.app)).not.toThrow();
    }
    // AND across charts: another environment's chart in the same namespace collides too, one in its own namespace does not
    for (const [namespace, fails] of [['staging', true], ['staging-eu', false]] as const) {
      const s = setup();
      const other = new MeshChart(s.app, 'other', { namespace, environment: 'staging-eu' });
      const search = new MeshService(other, 'search-service', { image: 'search:1' });
      new FaultInjectionTest(other, 'faults', { services: [search], ...SEED_003, apiServer: API_SERVER });
      if (fails) expect(synthError(s.app)).toMatch(/\[other\/faults\] name: 'fault-injection-test' \(the default\) is also the name of the fault test test\/faults .*\[MESH533\]/);
      else expect(() => synth(s.app)).not.toThrow();
    }
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
