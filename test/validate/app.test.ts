import { ApiObject, JsonPatch } from 'cdk8s';
import { buildApp } from '../../src/main';
import { MeshApp } from '../../src/mesh/mesh-app';
import { MeshChart } from '../../src/mesh/mesh-chart';
import { MeshService } from '../../src/service/mesh-service';
import { analyze } from '../../src/validate/analysis';
import { validateManifests } from '../../src/validate/validate';
import { meshChart, synth, synthError } from '../util';

describe('synth-time validation', () => {
  test('every environment of the EC site passes schema, CEL and analysis', () => {
    const app = buildApp();
    const files = app.manifests();
    // Warnings do not fail synth; the EC site acknowledges its 12 (seed 000's retries on 5xx for POST routes),
    // Bookinfo its 6 (Istio's samples as they are),
    // so none is left to print and synth lists them in one line.
    expect(app.warnings).toEqual([]);
    expect(app.acknowledgedWarnings).toHaveLength(18);
    expect(app.acknowledgedWarnings[0]).toMatch(/^\[dev\/inventory-service\/VirtualService\] dev\/VirtualService\/inventory-service: spec.http\[0\].retries.retryOn: .*\[MESH111\] \(hint: .*\) \(acknowledged: seed 000's retry settings/);
    expect(app.warningSummary()).toEqual([
      'cdk8s-mesh: 18 acknowledged warnings: MESH111 ×12 (dev/inventory-service, dev/notification-service, dev/order-service, dev/user-service, '
      + 'production/inventory-service, production/notification-service, production/order-service, production/user-service, '
      + 'staging/inventory-service, staging/notification-service, staging/order-service, staging/user-service); '
      + 'MESH117 ×3 (bookinfo-dev/bookinfo-gateway, bookinfo-staging/bookinfo-gateway, bookinfo/bookinfo-gateway); '
      + 'MESH135 ×3 (bookinfo-dev/bookinfo, bookinfo-staging/bookinfo, bookinfo/bookinfo)',
    ]);
    for (const env of ['dev', 'staging', 'production']) {
      const manifests = files.filter((f) => f.path.startsWith(`${env}/`)).map((f) => f.manifest);
      expect(manifests.length).toBeGreaterThan(30);
      const findings = validateManifests(manifests);
      expect(findings.filter((f) => f.severity !== 'warning')).toEqual([]);
      // The seed's retry settings retry on 5xx for services that callers POST to: reported, not
      // fatal (and acknowledged on the constructs). The rate-limit EnvoyFilters carry a priority,
      // so istioctl analyze's IST0151 (MESH137) has nothing to say.
      expect(findings.map((f) => `${f.code} ${f.resource.kind}/${f.resource.name}`).sort()).toEqual([
        'MESH111 VirtualService/inventory-service', 'MESH111 VirtualService/notification-service',
        'MESH111 VirtualService/order-service', 'MESH111 VirtualService/user-service',
      ]);
    }
  });

  test('a problem only visible in the rendered manifests fails synth naming construct, resource, field and code', () => {
    // GIVEN a service whose route timeout renders below Istio's 1ms minimum only through an escape hatch
    const { app, chart } = meshChart();
    const svc = new MeshService(chart, 'payment-service', { image: 'p:1' });
    ApiObject.of(svc.node.findChild('VirtualService')).addJsonPatch(JsonPatch.add('/spec/http/0/timeout', '500us'));
    // THEN synth fails with the construct path, the environment, kind, name, field and code
    expect(synthError(app)).toMatch(/\[test\/payment-service\/VirtualService\] test\/VirtualService\/payment-service: spec.http\[0\].timeout: .*1ms.*\[MESH151\]/);
  });

  test("istiod's webhook checks run at synth over rendered output, with the construct codes", () => {
    // GIVEN retries patched to attempts 0 while retryOn stays set, only through an escape hatch
    const { app, chart } = meshChart();
    const svc = new MeshService(chart, 'payment-service', { image: 'p:1' });
    ApiObject.of(svc.node.findChild('VirtualService')).addJsonPatch(JsonPatch.add('/spec/http/0/retries', { attempts: 0, retryOn: '5xx' }));
    // THEN synth fails as it would for the construct, naming the path and MESH014
    expect(synthError(app)).toMatch(/\[test\/payment-service\/VirtualService\] test\/VirtualService\/payment-service: spec.http\[0\].retries: .*attempts 0.*\[MESH014\]/);
  });

  test('schemaValidation: false opts out, even with no CRD directory', () => {
    const app = new MeshApp({ schemaValidation: false, crdDirectory: '/nonexistent' });
    const chart = new MeshChart(app, 'test', { namespace: 'production' });
    new MeshService(chart, 'order-service', { image: 'o:1' });
    expect(synth(app).length).toBeGreaterThan(0);
  });

  test('a missing CRD directory fails synth saying how to point to it', () => {
    const app = new MeshApp({ crdDirectory: '/nonexistent' });
    const chart = new MeshChart(app, 'test', { namespace: 'production' });
    new MeshService(chart, 'order-service', { image: 'o:1' });
    expect(synthError(app)).toMatch(/CDK8S_MESH_CRDS.*schemaValidation: false.*\[MESH155\]/);
  });

  test('the analysis also catches what the constructs catch, in plain manifests', () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'order-service', { image: 'o:1' });
    const manifests = synth(app).map((m) => JSON.parse(JSON.stringify(m)));
    const vs = manifests.find((m) => m.kind === 'VirtualService');
    vs.spec.http[0].route = [{ destination: { host: 'order-service', subset: 'canary' }, weight: 95 }];
    expect(analyze(manifests).map((f) => f.code).sort()).toEqual(['MESH012', 'MESH013']);
  });
});
