import { ApiObject, Cron, Duration, JsonPatch } from 'cdk8s';
import * as yaml from 'yaml';
import * as childProcess from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Cidr, FaultInjectionTest, FaultInjectionTestProps, FlaggerCanary, MeshPlatform, MeshService, Percentage } from '../../../src';
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
      { to: [{ ipBlock: { cidr: '172.18.0.2/32' } }], ports: [{ port: 443, protocol: 'TCP' }, { port: 6443, protocol: 'TCP' }] },
    ]);
  });

  test('the API server is named, never a catch-all range (MESH663)', () => {
    expect(() => Cidr.of('0.0.0.0/0')).toThrow(/matches every address.*\[MESH663\]/);
    expect(() => Cidr.of('::/0')).toThrow(/\[MESH663\]/);
    expect(() => Cidr.of('10.0.0.256/32')).toThrow(/not a CIDR.*\[MESH663\]/);
    expect(() => Cidr.of('10.0.0.1/33')).toThrow(/not a CIDR.*\[MESH663\]/);
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
      .filter((f) => 'workload' in f.source && f.source.workload === 'fault-injection-test')
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
      expect(error).toMatch(/\[test\/faults\] .*fault-injection-test reaches the API server at 172\.18\.0\.2\/32 on 443: refused by NetworkPolicy staging\/fault-injection-test \(NetworkPolicy egress\).*\[MESH600\]/);
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

  test('each run has a deadline: the test duration plus 5 minutes to apply and restore', () => {
    const job = find(synth(setup({ testDuration: Duration.minutes(10) }).app), 'CronJob', 'fault-injection-test');
    expect(job.spec.jobTemplate.spec.activeDeadlineSeconds).toBe(600 + 300);
  });

  describe('the script restores the faults however the run ends (run with sh, kubectl stubbed)', () => {
    /** The job's script, run by `sh` with a kubectl on PATH that logs its arguments. */
    function run(testDuration: Duration, kubectlExit = 0) {
      const job = find(synth(setup({ testDuration }).app), 'CronJob', 'fault-injection-test');
      const script: string = job.spec.jobTemplate.spec.template.spec.containers[0].command[2];
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fault-job-'));
      const log = path.join(dir, 'kubectl.log');
      fs.writeFileSync(path.join(dir, 'kubectl'), `#!/bin/sh\necho "$*" >> "${log}"\nexit ${kubectlExit}\n`, { mode: 0o755 });
      const child = childProcess.spawn('sh', ['-c', script], { env: { ...process.env, PATH: `${dir}:${process.env.PATH}` }, stdio: 'ignore' });
      const done = new Promise<{ code: number | null; lines: () => string[] }>((resolve) => child.on('exit', (code) => resolve({
        code, lines: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []),
      })));
      const applied = async () => {
        for (let i = 0; i < 200 && !fs.existsSync(log); i++) await new Promise((r) => setTimeout(r, 10));
      };
      return { child, done, applied, dir };
    }
    const ON = 'apply -f /config/order-service.fault-on.yaml -f /config/payment-service.fault-on.yaml';
    const OFF = 'apply -f /config/order-service.fault-off.yaml -f /config/payment-service.fault-off.yaml';

    test('SIGTERM during the wait (eviction, deadline): the faults are switched off at once, once, and the job exits 143', async () => {
      const { child, done, applied, dir } = run(Duration.minutes(30));
      await applied();
      const started = Date.now();
      child.kill('SIGTERM');
      const { code, lines } = await done;
      expect(Date.now() - started).toBeLessThan(5000); // not after the 30 minutes of sleep
      expect(lines()).toEqual([ON, OFF]);
      expect(code).toBe(143);
      fs.rmSync(dir, { recursive: true, force: true });
    });

    test('SIGINT: restored too', async () => {
      const { child, done, applied, dir } = run(Duration.minutes(30));
      await applied();
      child.kill('SIGINT');
      const { code, lines } = await done;
      expect(lines()).toEqual([ON, OFF]);
      expect(code).toBe(130);
      fs.rmSync(dir, { recursive: true, force: true });
    });

    test('a normal end restores once and exits 0', async () => {
      const { done, dir } = run(Duration.seconds(1));
      const { code, lines } = await done;
      expect(lines()).toEqual([ON, OFF]);
      expect(code).toBe(0);
      fs.rmSync(dir, { recursive: true, force: true });
    });
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
    const sleep = script.indexOf('sleep 1800 &\npid=$!\nwait "$pid"');
    expect(on).toBeGreaterThan(-1);
    expect(sleep).toBeGreaterThan(on);
    expect(script).toContain('kubectl apply -f /config/order-service.fault-off.yaml -f /config/payment-service.fault-off.yaml');
    for (const signal of ['EXIT', 'TERM', 'INT']) expect(script.slice(0, on)).toMatch(new RegExp(`^trap '.*restore.*' ${signal}$`, 'm'));
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
