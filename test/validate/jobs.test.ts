// MESH053 over manifests, hand-written ones included: a Job's or CronJob's injected istio-proxy, an ordinary container,
// keeps its pods from completing. Istio 1.24.6 makes it a native sidecar (an init container with restartPolicy: Always) when
// the pod's sidecar.istio.io/nativeSidecar annotation is "true", or when it is absent and istiod's ENABLE_NATIVE_SIDECARS is
// "true" (manifests/charts/istio-control/istio-discovery/files/injection-template.yaml, $nativeSidecar; pkg/kube/inject/inject.go,
// RunTemplate); the kubelet stops a native sidecar once the containers have exited
// (https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/#jobs-with-sidecar-containers).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiObject } from 'cdk8s';
import * as jsyaml from 'js-yaml';
import { analyze } from '../../src/validate/analysis';
import { validateCli, validateManifests } from '../../src/validate';
import { MeshPlatform, Warnings } from '../../src';
import { platformFromData, platformToData } from '../../src/platform/platform-file';
import { platformRecord } from '../../src/platform/platform-record';
import { platformPropsFromSnapshot } from '../../src/platform/snapshot';
import { handWrittenCronJob, meshChart, synth } from '../util';
import { deployment, namespace } from './flow/fixtures';

type M = Record<string, any>;
const template = (name: string, annotations: Record<string, string> = {}, labels: Record<string, string> = {}): M => ({
  metadata: { labels: { app: name, ...labels }, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) },
  spec: { restartPolicy: 'Never', containers: [{ name: 'job', image: 'registry.example.com/job:1' }] },
});
const job = (name: string, ns: string, annotations?: Record<string, string>, labels?: Record<string, string>): M => ({
  apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: ns }, spec: { template: template(name, annotations, labels) },
});
const cronJob = (name: string, ns: string, annotations?: Record<string, string>, concurrencyPolicy?: string): M => ({
  apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name, namespace: ns },
  spec: { schedule: '0 3 * * *', ...(concurrencyPolicy ? { concurrencyPolicy } : {}), jobTemplate: { spec: { template: template(name, annotations) } } },
});
const injected = namespace('batch', { 'istio-injection': 'enabled' });
const found = (manifests: M[], nativeSidecars?: boolean) =>
  analyze(manifests, undefined, undefined, nativeSidecars).filter((f) => f.code === 'MESH053')
    .map((f) => `${f.resource.kind}/${f.resource.name} ${f.field} ${f.severity}`);

describe('MESH053 (warning): a Job or CronJob whose injected istio-proxy is an ordinary container', () => {
  test('a Job and a CronJob in a namespace labelled for injection are reported on the annotation to set', () => {
    expect(found([injected, job('migrate', 'batch'), cronJob('nightly', 'batch')])).toEqual([
      'Job/migrate spec.template.metadata.annotations.sidecar.istio.io/nativeSidecar warning',
      'CronJob/nightly spec.jobTemplate.spec.template.metadata.annotations.sidecar.istio.io/nativeSidecar warning',
    ]);
    const [f] = analyze([injected, job('migrate', 'batch')]).filter((x) => x.code === 'MESH053');
    expect(f.message).toMatch(/^istio-proxy is injected \(namespace batch is labelled istio-injection: enabled\) as an ordinary container, since the platform's istiod/);
    expect(f.message).toMatch(/the pod never completes and the Job never succeeds\. Set spec\.template\.metadata\.annotations sidecar\.istio\.io\/nativeSidecar: "true"/);
    expect(f.message).toMatch(/sidecar\.istio\.io\/inject: "false" if the job calls nothing in the mesh; .*localhost:15020\/quitquitquit.*acknowledge this warning$/);
  });

  test("a CronJob's message says what its concurrencyPolicy makes of it", () => {
    const message = (policy?: string) => analyze([injected, cronJob('nightly', 'batch', undefined, policy)]).find((f) => f.code === 'MESH053')?.message;
    expect(message('Forbid')).toMatch(/with concurrencyPolicy Forbid no later run ever starts/);
    expect(message('Replace')).toMatch(/each is replaced at the next schedule without succeeding/);
    expect(message()).toMatch(/another piles up at every schedule/);
  });

  test('the annotation "true" makes the proxy native; "false" or another value keeps it ordinary, and a label says nothing', () => {
    const native = { 'sidecar.istio.io/nativeSidecar': 'true' };
    expect(found([injected, job('migrate', 'batch', native), cronJob('nightly', 'batch', native)])).toEqual([]);
    expect(found([injected, job('migrate', 'batch', { 'sidecar.istio.io/nativeSidecar': 'false' })])).toHaveLength(1);
    const [f] = analyze([injected, job('migrate', 'batch', { 'sidecar.istio.io/nativeSidecar': 'True' })]).filter((x) => x.code === 'MESH053');
    expect(f.message).toMatch(/its sidecar\.istio\.io\/nativeSidecar annotation is "True" \(istiod injects a native sidecar only for "true"\)/);
    // The injection template reads .ObjectMeta.Annotations only.
    expect(found([injected, job('migrate', 'batch', {}, { 'sidecar.istio.io/nativeSidecar': 'true' })])).toHaveLength(1);
  });

  test('no injection, or none certain: opted out, a namespace disabled, unlabelled or not given, is not reported', () => {
    const optOut = { 'sidecar.istio.io/inject': 'false' };
    expect(found([injected, job('migrate', 'batch', optOut), cronJob('nightly', 'batch', optOut)])).toEqual([]);
    expect(found([injected, job('migrate', 'batch', {}, optOut)])).toEqual([]);
    expect(found([namespace('batch', { 'istio-injection': 'disabled' }), job('migrate', 'batch')])).toEqual([]);
    expect(found([namespace('batch'), job('migrate', 'batch')])).toEqual([]);
    expect(found([job('migrate', 'batch')])).toEqual([]);
  });

  test('a revision label, or a template asking for a sidecar in any namespace, is certain injection', () => {
    expect(found([namespace('batch', { 'istio.io/rev': 'stable' }), job('migrate', 'batch')])).toHaveLength(1);
    const [f] = analyze([job('migrate', 'batch', { 'sidecar.istio.io/inject': 'true' })]).filter((x) => x.code === 'MESH053');
    expect(f.message).toMatch(/injected \(its pod template asks for a sidecar \(sidecar\.istio\.io\/inject: "true"\)\)/);
  });

  test('where istiod injects native sidecars, only a pod whose annotation says otherwise is reported; other workloads never are', () => {
    const optedOut = job('legacy', 'batch', { 'sidecar.istio.io/nativeSidecar': 'false' });
    expect(found([injected, job('migrate', 'batch'), cronJob('nightly', 'batch'), optedOut], true)).toEqual([
      'Job/legacy spec.template.metadata.annotations.sidecar.istio.io/nativeSidecar warning',
    ]);
    expect(found([injected, deployment('api', 'batch')])).toEqual([]);
    // The option reaches the analysis through validateManifests (the CLI's and synth's entry).
    const codes = (o: { nativeSidecars?: boolean }) => validateManifests([injected, job('migrate', 'batch')], o).filter((x) => x.code === 'MESH053');
    expect(codes({})).toHaveLength(1);
    expect(codes({ nativeSidecars: true })).toEqual([]);
  });
});

// A bare Pod's phase stays Running while "at least one container is still running", and is Succeeded or Failed once "all
// containers in the Pod have terminated" (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-phase).
const pod = (name: string, ns: string, restartPolicy?: string, annotations?: Record<string, string>, labels?: Record<string, string>): M => {
  const t = template(name, annotations, labels);
  const { restartPolicy: _, ...spec } = t.spec;
  return { apiVersion: 'v1', kind: 'Pod', metadata: { ...t.metadata, name, namespace: ns }, spec: { ...spec, ...(restartPolicy ? { restartPolicy } : {}) } };
};

describe('MESH053 (warning): a bare Pod that runs to completion (restartPolicy Never or OnFailure) with an ordinary istio-proxy', () => {
  test('a Pod restarting Never or OnFailure is reported on its own annotation, with what its injected proxy does to it', () => {
    expect(found([injected, pod('smoke', 'batch', 'Never'), pod('seed', 'batch', 'OnFailure')])).toEqual([
      'Pod/smoke metadata.annotations.sidecar.istio.io/nativeSidecar warning',
      'Pod/seed metadata.annotations.sidecar.istio.io/nativeSidecar warning',
    ]);
    const [f] = analyze([injected, pod('smoke', 'batch', 'Never')]).filter((x) => x.code === 'MESH053');
    expect(f.message).toMatch(/^istio-proxy is injected \(namespace batch is labelled istio-injection: enabled\) as an ordinary container, since the platform's istiod/);
    expect(f.message).toMatch(/keeps running after the pod's containers exit, so the pod stays Running and never reaches Succeeded or Failed/);
    expect(f.message).toMatch(/Set metadata\.annotations sidecar\.istio\.io\/nativeSidecar: "true"/);
    expect(f.message).toMatch(/sidecar\.istio\.io\/inject: "false" if the pod calls nothing in the mesh; .*localhost:15020\/quitquitquit.*acknowledge this warning$/);
    const [asked] = analyze([pod('smoke', 'batch', 'Never', { 'sidecar.istio.io/inject': 'true' })]).filter((x) => x.code === 'MESH053');
    expect(asked.message).toMatch(/injected \(the pod asks for a sidecar \(sidecar\.istio\.io\/inject: "true"\)\)/);
  });

  test('a Pod that restarts Always (or by default) is not meant to complete; the Job check\'s exemptions hold for Pods', () => {
    expect(found([injected, pod('api', 'batch', 'Always'), pod('web', 'batch')])).toEqual([]);
    // A native sidecar by the annotation or by istiod's default, an opt-out, no certain injection.
    expect(found([injected, pod('smoke', 'batch', 'Never', { 'sidecar.istio.io/nativeSidecar': 'true' })])).toEqual([]);
    expect(found([injected, pod('smoke', 'batch', 'Never')], true)).toEqual([]);
    expect(found([injected, pod('smoke', 'batch', 'Never', { 'sidecar.istio.io/nativeSidecar': 'false' })], true)).toHaveLength(1);
    expect(found([injected, pod('smoke', 'batch', 'Never', { 'sidecar.istio.io/inject': 'false' })])).toEqual([]);
    expect(found([injected, pod('smoke', 'batch', 'Never', {}, { 'sidecar.istio.io/inject': 'false' })])).toEqual([]);
    expect(found([namespace('batch', { 'istio-injection': 'disabled' }), pod('smoke', 'batch', 'Never')])).toEqual([]);
    expect(found([pod('smoke', 'batch', 'Never')])).toEqual([]);
  });
});

describe("the platform's istio.nativeSidecars", () => {
  test('defaults to false, and is recorded only when true: the records of platforms without it read as before', () => {
    expect(MeshPlatform.default().istio.nativeSidecars).toBe(false);
    expect((platformToData(MeshPlatform.default()).istio as M).nativeSidecars).toBeUndefined();
    const native = MeshPlatform.of({ istio: { nativeSidecars: true } });
    expect((platformToData(native).istio as M).nativeSidecars).toBe(true);
    expect(platformFromData(platformToData(native), 'record').istio.nativeSidecars).toBe(true);
    expect(() => platformFromData({ istio: { nativeSidecars: 'yes' } }, 'platform.yaml')).toThrow(/istio\.nativeSidecars.*true or false/);
  });

  test("a snapshot reads it from istiod's ENABLE_NATIVE_SIDECARS, as the release reads it", () => {
    const istiod = (env?: string): M[] => [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'istiod', namespace: 'istio-system' },
        spec: { selector: { app: 'istiod', istio: 'pilot' }, ports: [{ name: 'https-dns', port: 15012 }, { name: 'https-webhook', port: 443, targetPort: 15017 }] } },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'istiod', namespace: 'istio-system' }, spec: { template: {
        metadata: { labels: { app: 'istiod', istio: 'pilot' } },
        spec: { serviceAccountName: 'istiod', containers: [{ name: 'discovery', image: 'istio/pilot', ...(env ? { env: [{ name: 'ENABLE_NATIVE_SIDECARS', value: env }] } : {}) }] },
      } } },
    ];
    const read = (env: string | undefined, istio: M = {}) => MeshPlatform.of(platformPropsFromSnapshot([{ file: 'snap.yaml', values: istiod(env) }],
      { presets: { istio }, components: ['istiod'] })).istio.nativeSidecars;
    expect(read('true')).toBe(true);
    expect(read(undefined)).toBe(false);
    // 1.24's template compares the text with "true".
    expect(read('True')).toBe(false);
    // From 1.27 unset is auto, decided by the nodes' kubelets, which the snapshot does not show: the presets say.
    expect(read(undefined, { version: '1.30', nativeSidecars: true })).toBe(true);
    expect(read('false', { version: '1.30' })).toBe(false);
    expect(() => read(undefined, { nativeSidecars: true })).toThrow(/istio\.nativeSidecars: the platform says true, .*ENABLE_NATIVE_SIDECARS false/);
  });
});

describe('MESH053 at synth: a hand-written CronJob in a MeshChart', () => {
  const build = (annotations: Record<string, string> = {}, nativeSidecars?: boolean, acknowledge?: string) => {
    const { app, chart } = meshChart(nativeSidecars === undefined ? {} : { platform: MeshPlatform.of({ istio: { nativeSidecars } }) });
    const nightly = handWrittenCronJob(chart, { annotations }, { concurrencyPolicy: 'Forbid' });
    // Its sidecar must reach istiod (MESH609 otherwise, under the chart's deny-all).
    new ApiObject(chart, 'nightly-egress', {
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'nightly' },
      spec: { podSelector: { matchLabels: { app: 'nightly' } }, policyTypes: ['Egress'], egress: [{
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } }, podSelector: { matchLabels: { app: 'istiod', istio: 'pilot' } } }],
        ports: [{ protocol: 'TCP', port: 15012 }],
      }] },
    });
    if (acknowledge) Warnings.of(nightly).acknowledge('MESH053', acknowledge);
    const manifests = synth(app);
    return { warnings: app.warnings.filter((w) => w.includes('[MESH053]')), manifests };
  };

  test("is reported on the CronJob's path, and is gone with the annotation, with the platform's native sidecars, or acknowledged", () => {
    expect(build().warnings).toEqual([
      expect.stringMatching(new RegExp('^\\[test/nightly\\] .*CronJob/nightly: spec\\.jobTemplate\\.spec\\.template\\.metadata\\.annotations\\.'
        + 'sidecar\\.istio\\.io/nativeSidecar: istio-proxy is injected \\(namespace production is labelled istio-injection: enabled\\).*'
        + 'with concurrencyPolicy Forbid no later run ever starts')),
    ]);
    expect(build({ 'sidecar.istio.io/nativeSidecar': 'true' }).warnings).toEqual([]);
    const native = build({}, true);
    expect(native.warnings).toEqual([]);
    // The Namespace records it, so that cdk8s-mesh-validate over dist/ assumes it too.
    const ns = native.manifests.find((m) => m.kind === 'Namespace' && m.metadata.name === 'production')!;
    expect(JSON.parse(ns.metadata.annotations['mesh.cdk8s.io/platform']).istio.nativeSidecars).toBe(true);
    const acked = build({}, undefined, 'the job POSTs to localhost:15020/quitquitquit when it ends');
    expect(acked.warnings).toEqual([]);
    expect(acked.manifests.find((m) => m.kind === 'CronJob')!.metadata.annotations['acknowledged.mesh.cdk8s.io/MESH053'])
      .toBe('the job POSTs to localhost:15020/quitquitquit when it ends');
  });
});

describe('MESH053 in cdk8s-mesh-validate: the platform given, else the one the Namespace records', () => {
  const cli = (files: Record<string, M[]>, args: string[] = []) => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-jobs-'));
    for (const [name, docs] of Object.entries(files)) fs.writeFileSync(path.join(d, name), docs.map((x) => jsyaml.dump(x)).join('---\n'));
    let out = '';
    const code = validateCli([...args.map((a) => (a.endsWith('.yaml') ? path.join(d, a) : a)), path.join(d, 'batch.yaml')],
      { stdout: (t) => { out += t; }, stderr: (t) => { out += t; }, cwd: d });
    return { code, lines: out.split('\n').filter((l) => l.includes('MESH053')) };
  };
  const recorded = (platform: MeshPlatform) =>
    ({ ...injected, metadata: { ...injected.metadata, annotations: { 'mesh.cdk8s.io/platform': platformRecord(platform) } } });

  test('over plain manifests it is a warning (exit 0); a record or a --platform file saying native sidecars silences it', () => {
    const plain = cli({ 'batch.yaml': [injected, job('migrate', 'batch')] });
    expect(plain.code).toBe(0);
    expect(plain.lines).toEqual([expect.stringMatching(/^WARNING .*Job\/migrate: spec\.template\.metadata\.annotations\.sidecar\.istio\.io\/nativeSidecar: /)]);
    expect(cli({ 'batch.yaml': [recorded(MeshPlatform.default()), job('migrate', 'batch')] }).lines).toHaveLength(1);
    expect(cli({ 'batch.yaml': [recorded(MeshPlatform.of({ istio: { nativeSidecars: true } })), job('migrate', 'batch')] }).lines).toEqual([]);
    const given = { 'batch.yaml': [injected, job('migrate', 'batch')], 'platform.yaml': [{ istio: { nativeSidecars: true } }] };
    expect(cli(given, ['--platform', 'platform.yaml'])).toEqual({ code: 0, lines: [] });
    given['platform.yaml'] = [{ istio: { nativeSidecars: false } }];
    expect(cli(given, ['--platform', 'platform.yaml']).lines).toHaveLength(1);
    // Acknowledged on the manifest: listed as such, not counted.
    const acked = { ...job('migrate', 'batch'), metadata: { name: 'migrate', namespace: 'batch', annotations: { 'acknowledged.mesh.cdk8s.io/MESH053': 'calls quitquitquit' } } };
    const ackedRun = cli({ 'batch.yaml': [injected, acked] });
    expect(ackedRun.code).toBe(0);
    expect(ackedRun.lines.filter((l) => l.startsWith('WARNING'))).toEqual([]);
    expect(ackedRun.lines).toEqual([expect.stringMatching(/^ACKNOWLEDGED 1 warning .*MESH053 ×1 \(batch\/Job\/migrate\)/)]);
  });
});
