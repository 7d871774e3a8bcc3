// MeshCronJob: a CronJob of the mesh. Its pods complete under Istio 1.24 (istio-proxy a native sidecar when the pod's
// annotation sidecar.istio.io/nativeSidecar is "true": https://istio.io/latest/blog/2023/native-sidecars/), run as a
// ServiceAccount of their own whose principal each callee admits
// (https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source), and reach DNS, istiod and the
// callees only; each call is an intended flow proved at synth.
import { ApiObject, Cron, Duration, JsonPatch } from 'cdk8s';
import * as YAML from 'yaml';
import {
  AuthorizationAction, Cidr, EnvVarValue, ExternalService, MeshAuthorizationPolicy, MeshChart, MeshCronJob, MeshJob, MeshPlatform, MeshService,
  ObservabilityStack, RemoteService, ServiceSecurity, WorkloadVolume,
} from '../../src';
import { find, meshChart, synth, synthError } from '../util';

const nightly = Cron.schedule({ minute: '0', hour: '2' });

function ledgerApp() {
  const { app, chart } = meshChart();
  const ledger = new MeshService(chart, 'ledger', { image: 'registry.example.com/ledger:1.0.0' });
  const job = new MeshCronJob(chart, 'settlement', { image: 'registry.example.com/settle:1.0.0', schedule: nightly, timeZone: 'Europe/Paris' });
  return { app, chart, ledger, job };
}

describe('MeshCronJob', () => {
  test('writes a hardened CronJob with a native sidecar, its own ServiceAccount, a NetworkPolicy and a Sidecar', () => {
    const { app, ledger, job } = ledgerApp();
    job.calls(ledger, { methods: ['POST'], paths: ['/api/settlements'] });
    const out = synth(app);
    const cron = find(out, 'CronJob', 'settlement');
    expect({
      cronJob: cron,
      serviceAccount: find(out, 'ServiceAccount', 'settlement'),
      networkPolicy: find(out, 'NetworkPolicy', 'settlement'),
      sidecar: find(out, 'Sidecar', 'settlement'),
      ledgerPolicy: find(out, 'AuthorizationPolicy', 'ledger-policy').spec,
    }).toMatchSnapshot();
    expect(cron.spec).toMatchObject({
      schedule: '0 2 * * *', timeZone: 'Europe/Paris', concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 3600,
    });
    const template = cron.spec.jobTemplate.spec.template;
    expect(cron.spec.jobTemplate.spec.backoffLimit).toBe(6);
    expect(template.metadata.annotations['sidecar.istio.io/nativeSidecar']).toBe('true');
    expect(template.metadata.labels.app).toBe('settlement');
    expect(template.spec.serviceAccountName).toBe('settlement');
    expect(template.spec.automountServiceAccountToken).toBe(false);
    expect(template.spec.restartPolicy).toBe('OnFailure');
    expect(template.spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(template.spec.containers[0].securityContext).toMatchObject({
      readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] },
    });
    // The callee admits the job's principal on what it calls, and lets its pods in.
    expect(find(out, 'AuthorizationPolicy', 'ledger-policy').spec.rules).toContainEqual({
      from: [{ source: { principals: ['cluster.local/ns/production/sa/settlement'] } }],
      to: [{ operation: { methods: ['POST'], paths: ['/api/settlements'] } }],
    });
    expect(find(out, 'NetworkPolicy', 'ledger').spec.ingress).toContainEqual({
      from: [{ podSelector: { matchLabels: { app: 'settlement' } }, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'production' } } }],
      ports: [{ port: 8080, protocol: 'TCP' }],
    });
    // The job reaches the ledger, DNS and istiod only; only Prometheus reaches it, on its sidecar's metrics ports.
    const policy = find(out, 'NetworkPolicy', 'settlement').spec;
    const scrape = find(out, 'NetworkPolicy', 'ledger').spec.ingress.find((r: any) => r.ports.some((p: any) => p.port === 15090));
    expect(scrape.ports).toEqual([{ port: 15090, protocol: 'TCP' }, { port: 15020, protocol: 'TCP' }]);
    expect(policy.ingress).toEqual([scrape]);
    expect(policy.egress[0]).toEqual({ to: [{ podSelector: { matchLabels: { app: 'ledger' } } }], ports: [{ port: 8080, protocol: 'TCP' }] });
    expect(policy.egress.some((r: any) => r.ports.some((p: any) => p.port === 15012))).toBe(true);
    expect(find(out, 'Sidecar', 'settlement').spec.egress).toEqual([{ hosts: ['./ledger.production.svc.cluster.local'] }]);
  });

  test('its calls are intended flows from its pods, proved at synth', () => {
    const { chart, ledger, job } = ledgerApp();
    job.calls(ledger, { methods: ['POST'], paths: ['/api/settlements/*'] });
    const flows = chart.intendedFlows().filter((f) => f.constructPath === job.node.path && 'workload' in f.source);
    expect(flows.map((f) => `${JSON.stringify(f.source)} ${f.host}:${f.port} ${f.method} ${f.path}`)).toEqual([
      '{"workload":"settlement","namespace":"production"} ledger:80 POST /api/settlements',
      '{"workload":"settlement","namespace":"production"} ledger:80 POST /api/settlements/x',
    ]);
  });

  test('Prometheus scrapes its sidecar, an intended flow, unless the chart keeps Prometheus out', () => {
    const { chart, ledger, job } = ledgerApp();
    job.calls(ledger);
    const scrapes = chart.intendedFlows().filter((f) => f.constructPath === job.node.path && 'platform' in f.source);
    const pods = { workload: 'settlement', namespace: 'production' };
    expect(scrapes.map((f) => [f.pods, f.port])).toEqual([[pods, 15090], [pods, 15020]]);
    const closed = meshChart({ security: { allowMetricsScraping: false } });
    const quiet = new MeshCronJob(closed.chart, 'quiet', { image: 'registry.example.com/quiet:1', schedule: nightly });
    expect(closed.chart.intendedFlows().filter((f) => f.constructPath === quiet.node.path)).toEqual([]);
    expect(find(synth(closed.app), 'NetworkPolicy', 'quiet').spec.ingress ?? []).toEqual([]);
  });

  test('with tracing on, its spans to the collector are an intended flow, let out by its NetworkPolicy and Sidecar', () => {
    const { app, chart, ledger, job } = ledgerApp();
    job.calls(ledger);
    new ObservabilityStack(chart, 'observability');
    const spans = chart.intendedFlows().filter((f) => f.constructPath === job.node.path && f.method === 'POST' && f.target);
    expect(spans).toHaveLength(1);
    const out = synth(app);
    // The ledger calls nothing: its Sidecar's one host is the collector's.
    const collector: string[] = find(out, 'Sidecar', 'ledger').spec.egress[0].hosts;
    expect(collector).toHaveLength(1);
    expect(find(out, 'Sidecar', 'settlement').spec.egress[0].hosts).toEqual(['./ledger.production.svc.cluster.local', ...collector]);
    const ledgerOut = find(out, 'NetworkPolicy', 'ledger').spec.egress;
    const toCollector = ledgerOut.find((r: any) => !r.ports.some((p: any) => [53, 15012].includes(p.port)));
    expect(find(out, 'NetworkPolicy', 'settlement').spec.egress).toContainEqual(toCollector);
  });

  test('a job named as a service, or as another job, of its namespace fails synth (MESH271)', () => {
    const { app, chart } = ledgerApp();
    new MeshCronJob(chart, 'ledger-job', { name: 'ledger', image: 'registry.example.com/x:1', schedule: nightly });
    new MeshJob(chart, 'settlement-once', { name: 'settlement', image: 'registry.example.com/x:1' });
    const message = synthError(app);
    expect(message).toMatch(/\[test\/ledger-job\] name: 'ledger' is the name of the service test\/ledger of namespace production[^\n]*\[MESH271\]/);
    expect(message).toMatch(/\[test\/settlement-once\] name: another job of namespace production is named 'settlement'[^\n]*\[MESH271\]/);
  });

  test('a call the callee\'s policies refuse fails synth with MESH600 naming both', () => {
    const { app, ledger, job } = ledgerApp();
    job.calls(ledger, { methods: ['POST'], paths: ['/api/settlements'] });
    const rules: any[] = find(synth(app), 'AuthorizationPolicy', 'ledger-policy').spec.rules;
    const i = rules.findIndex((r) => r.from[0].source.principals[0] === 'cluster.local/ns/production/sa/settlement');
    // The ledger's rule admits another path than the one the job calls.
    ServiceSecurity.of(ledger).authorizationPolicy.addJsonPatch(JsonPatch.replace(`/spec/rules/${i}/to/0/operation/paths/0`, '/api/other'));
    const message = synthError(app);
    expect(message).toMatch(/settlement calls ledger POST \/api\/settlements[^\n]*AuthorizationPolicy production\/ledger-policy[^\n]*\[MESH600\]/);
  });

  test('a policy of the app may name the job\'s principal: a DENY rule for it refuses its call (MESH600)', () => {
    const { app, chart, ledger, job } = ledgerApp();
    job.calls(ledger, { methods: ['POST'], paths: ['/api/settlements'] });
    new MeshAuthorizationPolicy(chart, 'no-batch', {
      service: ledger, action: AuthorizationAction.deny(), rules: [{ from: [{ principals: [job.principal] }] }],
    });
    const message = synthError(app);
    expect(message).not.toMatch(/MESH200/);
    expect(message).toMatch(/settlement calls ledger POST \/api\/settlements[^\n]*AuthorizationPolicy production\/no-batch[^\n]*\[MESH600\]/);
  });

  test('a job whose NetworkPolicy is patched shut fails synth on its own flow (MESH600)', () => {
    const { app, ledger, job } = ledgerApp();
    job.calls(ledger, { methods: ['POST'], paths: ['/api/settlements'] });
    const policy = job.node.findChild('NetworkPolicy') as ApiObject;
    policy.addJsonPatch(JsonPatch.replace('/spec/egress/0/to/0/podSelector/matchLabels/app', 'nobody'));
    expect(synthError(app)).toMatch(/settlement calls ledger POST \/api\/settlements[^\n]*\[MESH600\]/);
  });

  test('a service of another namespace of the app: its FQDN, a namespace AND pod peer, its namespace\'s host; a TCP port is one connection', () => {
    const { app, chart } = meshChart({ namespace: 'batch' }, 'batch');
    const data = new MeshChart(app, 'data', { namespace: 'data' });
    const store = new MeshService(data, 'store', { image: 'registry.example.com/store:1', ports: [{ port: 5432, protocol: 'tcp', name: 'tcp-postgres' }] });
    const job = new MeshCronJob(chart, 'compact', { image: 'registry.example.com/compact:1', schedule: nightly });
    job.calls(store, { port: 5432 });
    const out = synth(app);
    expect(find(out, 'NetworkPolicy', 'compact').spec.egress[0]).toEqual({
      to: [{ podSelector: { matchLabels: { app: 'store' } }, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'data' } } }],
      ports: [{ port: 5432, protocol: 'TCP' }],
    });
    expect(find(out, 'Sidecar', 'compact').spec.egress).toEqual([{ hosts: ['data/store.data.svc.cluster.local'] }]);
    expect(chart.intendedFlows().filter((f) => f.constructPath === job.node.path && 'workload' in f.source)).toEqual([expect.objectContaining({
      source: { workload: 'compact', namespace: 'batch' }, host: 'store.data.svc.cluster.local', port: 5432, protocol: 'TCP',
    })]);
    expect(find(out, 'AuthorizationPolicy', 'store-policy').spec.rules).toContainEqual({
      from: [{ source: { principals: ['cluster.local/ns/batch/sa/compact'] } }], to: [{ operation: { ports: ['5432'] } }],
    });
  });

  test('settings the CronJob controller cannot honour fail synth (MESH270)', () => {
    const { app, chart } = meshChart();
    new MeshCronJob(chart, 'compact', {
      image: 'registry.example.com/compact:1', schedule: nightly, startingDeadline: Duration.seconds(5), backoffLimit: -1, timeZone: 'CET+1 nope',
    });
    const message = synthError(app);
    expect(message).toMatch(/startingDeadline: 5s is under 10 seconds[^\n]*\[MESH270\]/);
    expect(message).toMatch(/backoffLimit: -1 is not a whole number of retries \[MESH270\]/);
    expect(message).toMatch(/timeZone: 'CET\+1 nope' is not an IANA time zone name[^\n]*\[MESH270\]/);
  });

  test('a JSON patch that un-hardens the job\'s pod fails synth (MESH208)', () => {
    const { app, job } = ledgerApp();
    ApiObject.of(job.cronJob!).addJsonPatch(JsonPatch.replace('/spec/jobTemplate/spec/template/spec/containers/0/securityContext/readOnlyRootFilesystem', false));
    expect(synthError(app)).toMatch(/\[MESH208\]/);
  });

  test('the pod options a service takes shape the job\'s pod: env, podSecurity, volumes and mounts', () => {
    const { app, chart } = meshChart();
    new MeshCronJob(chart, 'compact', {
      image: 'registry.example.com/compact:1', schedule: nightly, command: ['/compact'], env: { MODE: EnvVarValue.of('full') },
      podSecurity: { runAsUser: 999, runAsGroup: 999, fsGroup: 999 },
      volumes: [WorkloadVolume.emptyDir('scratch')], mounts: [{ volume: 'scratch', path: '/scratch' }],
    });
    const pod = find(synth(app), 'CronJob', 'compact').spec.jobTemplate.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsUser: 999, runAsGroup: 999, fsGroup: 999 });
    expect(pod.containers[0]).toMatchObject({ command: ['/compact'], env: [{ name: 'MODE', value: 'full' }] });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'scratch', mountPath: '/scratch', readOnly: false });
  });
});

describe('MeshJob', () => {
  function migration() {
    const { app, chart } = meshChart();
    const orders = new MeshService(chart, 'orders', { image: 'registry.example.com/orders:1.0.0' });
    const job = new MeshJob(chart, 'migrate-orders', {
      image: 'registry.example.com/migrate:2.0.0', activeDeadline: Duration.minutes(30), backoffLimit: 2, ttlAfterFinished: Duration.days(1),
    });
    job.calls(orders, { methods: ['POST'], paths: ['/admin/migrations'] });
    return { app, orders, job };
  }

  test('a one-off Job with the same pod, identity, policies and flows as a MeshCronJob', () => {
    const { app, job } = migration();
    const out = synth(app);
    const spec = find(out, 'Job', 'migrate-orders').spec;
    expect(spec).toMatchObject({ activeDeadlineSeconds: 1800, backoffLimit: 2, ttlSecondsAfterFinished: 86400 });
    expect(spec.template.metadata.annotations['sidecar.istio.io/nativeSidecar']).toBe('true');
    expect(spec.template.spec).toMatchObject({
      serviceAccountName: 'migrate-orders', automountServiceAccountToken: false, restartPolicy: 'OnFailure',
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    });
    expect(find(out, 'AuthorizationPolicy', 'orders-policy').spec.rules).toContainEqual({
      from: [{ source: { principals: ['cluster.local/ns/production/sa/migrate-orders'] } }],
      to: [{ operation: { methods: ['POST'], paths: ['/admin/migrations'] } }],
    });
    expect(find(out, 'Sidecar', 'migrate-orders').spec.egress).toEqual([{ hosts: ['./orders.production.svc.cluster.local'] }]);
    expect(job.job).toBeDefined();
  });

  test('its call is proved at synth: refused when its own NetworkPolicy keeps it from the service (MESH600)', () => {
    const { app, job } = migration();
    (job.node.findChild('NetworkPolicy') as ApiObject).addJsonPatch(JsonPatch.replace('/spec/egress/0/to/0/podSelector/matchLabels/app', 'nobody'));
    expect(synthError(app)).toMatch(/migrate-orders calls orders POST \/admin\/migrations[^\n]*\[MESH600\]/);
  });

  test('an active deadline under one second, or not in whole seconds, fails synth (MESH270)', () => {
    const { app, chart } = meshChart();
    new MeshJob(chart, 'migrate', { image: 'registry.example.com/migrate:1', activeDeadline: Duration.millis(500) });
    new MeshJob(chart, 'backfill', { image: 'registry.example.com/backfill:1', activeDeadline: Duration.millis(1500) });
    const message = synthError(app);
    expect(message).toMatch(/\[test\/migrate\] activeDeadline: under one second[^\n]*\[MESH270\]/);
    expect(message).toMatch(/\[test\/backfill\] activeDeadline: 1500 ms is not a whole number of seconds \[MESH270\]/);
  });
});

// The job's pods always say sidecar.istio.io/nativeSidecar: "true", which Istio 1.24's injector honours whatever the cluster
// (pkg/kube/inject/inject.go: the annotation "takes precedence over the global feature flag"; no Kubernetes version is read).
// On Kubernetes 1.28 the SidecarContainers feature is alpha, off by default
// (https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/, KEP-753's feature gate table), and the API server
// then drops an init container's restartPolicy (kubernetes/kubernetes pkg/api/pod/util.go, dropDisabledFields): istio-proxy
// becomes an init container that never exits, and the job's container never starts.
describe("a batch job's native sidecar and the platform's Kubernetes version", () => {
  function jobs(platform?: MeshPlatform) {
    const { app, chart } = meshChart(platform ? { platform } : {});
    new MeshCronJob(chart, 'settlement', { image: 'registry.example.com/settle:1.0.0', schedule: nightly });
    new MeshJob(chart, 'migrate', { image: 'registry.example.com/migrate:1.0.0' });
    return app;
  }

  test('a platform that states Kubernetes 1.28 fails synth, naming each job and its native-sidecar annotation (MESH539)', () => {
    const message = synthError(jobs(MeshPlatform.of({ kubernetesVersion: '1.28' })));
    expect(message).toMatch(
      /\[test\/settlement\] podAnnotations\.sidecar\.istio\.io\/nativeSidecar: [^\n]*kubernetesVersion 1\.28[^\n]*never exits[^\n]*\[MESH539\]/);
    expect(message).toMatch(/\[test\/migrate\] podAnnotations\.sidecar\.istio\.io\/nativeSidecar: [^\n]*\[MESH539\]/);
    expect(synthError(jobs(MeshPlatform.of({ kubernetesVersion: '1.27' })))).toMatch(/kubernetesVersion 1\.27[^\n]*\[MESH539\]/);
  });

  test('Kubernetes 1.29 or later, istiod\'s native sidecars, or no version stated: the jobs synthesize', () => {
    for (const platform of [
      MeshPlatform.of({ kubernetesVersion: '1.29' }), MeshPlatform.of({ kubernetesVersion: '1.31' }),
      MeshPlatform.of({ kubernetesVersion: '1.28', istio: { nativeSidecars: true } }), undefined,
    ]) {
      const out = synth(jobs(platform));
      expect(find(out, 'Job', 'migrate').spec.template.metadata.annotations['sidecar.istio.io/nativeSidecar']).toBe('true');
    }
  });
});

describe("a batch job's calls to another team's service and outside the mesh, as a service's", () => {
  function nightlyExport() {
    const { app, chart } = meshChart({ namespace: 'checkout' }, 'checkout');
    const job = new MeshCronJob(chart, 'export', { image: 'registry.example.com/export:1.0.0', schedule: nightly });
    const catalog = new RemoteService(chart, 'catalog-api', { namespace: 'catalog', ports: [{ port: 80, targetPort: 8080, protocol: 'http' }] });
    const bucket = new ExternalService(chart, 'bucket', {
      hosts: ['storage.example.com'], ports: [{ number: 443, protocol: 'TLS' }], addresses: [Cidr.of('198.51.100.0/24')],
    });
    return { app, chart, job, catalog, bucket };
  }

  test("a RemoteService: the job's Sidecar imports its host, its NetworkPolicy lets it out to the pods, and the call is recorded", () => {
    const { app, job, catalog } = nightlyExport();
    job.calls(catalog, { methods: ['GET'], paths: ['/api/products'] });
    const out = synth(app);
    expect(job.remoteCalls).toEqual([{ target: catalog, options: { methods: ['GET'], paths: ['/api/products'] } }]);
    expect(find(out, 'Sidecar', 'export').spec.egress[0].hosts).toContain('catalog/catalog-api.catalog.svc.cluster.local');
    expect(find(out, 'NetworkPolicy', 'export').spec.egress).toContainEqual({
      to: [{ podSelector: { matchLabels: { app: 'catalog-api' } }, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'catalog' } } }],
      ports: [{ port: 8080, protocol: 'TCP' }],
    });
    // The record the other team's check reads, as for a service's call (remote-calls.ts).
    const record = YAML.parse(find(out, 'ConfigMap', 'checkout-remote-calls').data['calls.yaml']);
    expect(record).toEqual([expect.objectContaining({
      caller: job.node.path, description: 'export calls catalog/catalog-api GET /api/products',
      source: { workload: 'export', namespace: 'checkout' },
      callee: expect.objectContaining({ service: 'catalog-api', namespace: 'catalog', port: { name: 'http', port: 80, targetPort: 8080 } }),
    })]);
  });

  test('an ExternalService: Sidecar host, NetworkPolicy egress to its addresses, and an intended flow proved at synth', () => {
    const { app, chart, job, bucket } = nightlyExport();
    job.calls(bucket, { port: 443 });
    const out = synth(app);
    expect(job.externalCalls).toEqual([{ target: bucket, options: { port: 443 } }]);
    expect(find(out, 'Sidecar', 'export').spec.egress[0].hosts).toContain('./storage.example.com');
    expect(find(out, 'NetworkPolicy', 'export').spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '198.51.100.0/24' } }], ports: [{ port: 443, protocol: 'TCP' }] });
    expect(chart.intendedFlows().filter((f) => f.host === 'storage.example.com')).toEqual([expect.objectContaining({
      source: { workload: 'export', namespace: 'checkout' }, port: 443, protocol: 'TLS', expect: 'allow', description: 'export calls external storage.example.com:443/TLS',
    })]);
    // Without its Sidecar host the flow fails synth: the flow is checked, not only listed.
    const broken = nightlyExport();
    broken.job.calls(broken.bucket, { port: 443 });
    ApiObject.of(broken.job.node.findChild('Sidecar')).addJsonPatch(JsonPatch.replace('/spec/egress/0/hosts', ['istio-system/*']));
    expect(synthError(broken.app)).toMatch(/export calls external storage\.example\.com:443\/TLS.*\[MESH60\d\]/);
  });

  test("the checks of a service's calls hold for a job's: a port the callee lacks, HTTP fields on a TLS port, an ExternalService without addresses", () => {
    const { app, job, catalog, bucket } = nightlyExport();
    job.calls(catalog, { port: 81 });
    job.calls(bucket, { port: 443, methods: ['GET'] });
    expect(synthError(app)).toMatch(/remoteCalls\[0\]\.port: .*81.*\[MESH042\][\s\S]*externalCalls\[0\]: port 443 of .*bucket is TLS.*\[MESH042\]/);
    const open = nightlyExport();
    const anywhere = new ExternalService(open.chart, 'anywhere', { hosts: ['files.example.net'], ports: [{ number: 443, protocol: 'TLS' }] });
    open.job.calls(anywhere, { port: 443 });
    synth(open.app);
    expect(open.app.warnings.filter((w) => w.includes('MESH241'))).toEqual([expect.stringMatching(/\[checkout\/export\] \S+\/NetworkPolicy\/export: externalCalls\[0\]: calls checkout\/anywhere, which has no addresses/)]);
  });
});
