import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiObject, JsonPatch, Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { ENVIRONMENTS } from '../../src/app/environments';
import { buildEcEnvironment } from '../../src/app/ec-environment';
import { checkIntendedFlows, FlowEvaluator, undeclaredOpenPairs } from '../../src/validate';
import { Flow, MeshApp, MeshChart, MeshPlatform } from '../../src';

/**
 * The flows of the committed dist/, as a cluster would see them once applied: each
 * environment's folder plus the cluster-wide objects, with the platform's pods. Each
 * "review item" test asserts the verdict of a flow the SRE review found broken; on the
 * dist/ before the fix it fails (the deciding resource is in the message).
 */
const DIST = process.env.CDK8S_MESH_FLOW_DIST ?? path.join(__dirname, '..', '..', 'dist');
const platform = MeshPlatform.default();

const folders = new Map<string, Record<string, any>[]>();
function folder(name: string): Record<string, any>[] {
  const dir = path.join(DIST, name);
  if (!folders.has(name)) {
    folders.set(name, !fs.existsSync(dir) ? []
      : fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => YAML.parse(fs.readFileSync(path.join(dir, f), 'utf8'))));
  }
  return folders.get(name)!;
}

// The intent comes from the constructs (one build, flow verification off so a broken dist/ still shows its verdicts).
const app = new MeshApp({ outdir: Testing.app().outdir, flowVerification: false });
for (const env of ENVIRONMENTS) buildEcEnvironment(app, env);
const charts = app.charts.filter((c): c is MeshChart => c instanceof MeshChart);

describe.each(ENVIRONMENTS.map((e) => e.name))('%s flows over dist/', (envName) => {
  const chart = charts.find((c) => c.environment === envName)!;
  const ns = chart.namespace;
  const evaluator = new FlowEvaluator([...folder(envName), ...folder('cluster')], {
    trustDomain: platform.trustDomain, rootNamespace: platform.istio.rootNamespace, platform: platform.workloads(ns),
  });
  const intended = chart.intendedFlows();
  const verdict = (flow: Flow) => evaluator.evaluate(flow);
  const host = envName === 'production' ? 'shop.example.com' : `${envName}.shop.example.com`;
  const external = (p: string, requestPrincipal?: string): Flow => ({ source: { external: true }, host, port: 443, protocol: 'HTTPS', method: 'GET', path: p, requestPrincipal });

  test('every intended flow holds and no undeclared pair of workloads is open', () => {
    // Calls, routes, scrapes and spans, every one of them.
    expect(intended.length).toBeGreaterThan(chart.calls.length + 2 * chart.services.length);
    expect(checkIntendedFlows(evaluator, intended).map((f) => f.message)).toEqual([]);
    expect(undeclaredOpenPairs(evaluator, intended).map((f) => f.message)).toEqual([]);
  });

  test('review item 1: a browser gets the site root and its assets from web-frontend, the API from api-gateway with a token only', () => {
    for (const p of ['/', '/index.html', '/assets/app.js']) {
      const v = verdict(external(p));
      expect(v.allowed).toBe(true);
      expect(v.hops.join(' ')).toContain(`web-frontend.${ns}`);
    }
    const signedIn = verdict(external('/api/orders/42', `https://auth.${envName === 'production' ? '' : `${envName}.`}example.com/user-1`));
    expect(signedIn.allowed).toBe(true);
    expect(signedIn.hops.join(' ')).toContain(`api-gateway.${ns}`);
    const anonymous = verdict(external('/api/orders/42'));
    expect(anonymous).toMatchObject({ allowed: false, decidedBy: { layer: 'AuthorizationPolicy', name: 'api-gateway-policy' } });
  });

  test('review item 2: Prometheus reaches Envoy (15090) and the merged endpoint (15020) of every meshed pod', () => {
    for (const s of chart.services) {
      for (const port of [15090, 15020]) {
        expect(verdict({ source: { platform: platform.prometheusWorkload() }, host: `${s.name}.${ns}.svc.cluster.local`, port, path: '/stats/prometheus' }))
          .toMatchObject({ allowed: true });
      }
    }
  });

  test('review item 3: every pod sends spans to the collector: its Sidecar imports it and its NetworkPolicy lets them out', () => {
    for (const s of chart.services) {
      expect(verdict({
        source: { workload: s.name, namespace: ns }, host: platform.tracing.host, port: platform.tracing.port,
        target: platform.tracingWorkload(), method: 'POST', path: '/api/v2/spans',
      })).toMatchObject({ allowed: true });
    }
  });

  test('review item 9: the environment writes no cluster-wide object of its own', () => {
    expect(folder(envName).filter((m) => m.metadata.namespace === platform.istio.rootNamespace && m.kind === 'PeerAuthentication')).toEqual([]);
    expect(folder(envName).filter((m) => m.metadata.namespace === platform.prometheus.namespace)).toEqual([]);
  });
});

test('the cluster folder holds what is the cluster\'s once: the gateway\'s rate-limit filter (no example opts in to a mesh-wide policy)', () => {
  expect(folder('cluster').map((m) => `${m.kind} ${m.metadata.namespace}/${m.metadata.name}`).sort()).toEqual([
    'EnvoyFilter istio-system/ec-site-ratelimit',
  ]);
});

test('the verification fails synth on a broken environment, naming the construct, the deciding resource and the code', () => {
  // GIVEN the EC site whose web-frontend NetworkPolicy no longer admits the gateway (an escape hatch gone wrong)
  const broken = new MeshApp({ outdir: Testing.app().outdir, schemaValidation: false });
  const env = buildEcEnvironment(broken, ENVIRONMENTS[0]);
  const np = env.webFrontend.node.findAll().find((c) => c.node.id === 'NetworkPolicy')!;
  ApiObject.of(np).addJsonPatch(JsonPatch.replace('/spec/ingress', []));
  // WHEN synthesized THEN the browser's flow is reported against the ingress gateway construct
  expect(() => broken.manifests()).toThrow(/\[dev\/shop-gateway\] .*a browser reaches web-frontend .*refused by NetworkPolicy dev\/web-frontend \(NetworkPolicy ingress\).*\[MESH600\]/);
});
