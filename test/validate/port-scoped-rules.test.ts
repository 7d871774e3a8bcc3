import { MeshService, ServiceSecurity } from '../../src';
import { meshChart, synth } from '../util';

/**
 * An ALLOW rule limited to some ports (Operation.ports, the port of the connection:
 * https://istio.io/latest/docs/reference/config/security/authorization-policy/#Operation) grants nothing on the others: a
 * route to the service's HTTP port serves only what the rules admit there, so the retries of that route meet no write a
 * rule for a TCP port admits.
 */
function broker(ports: number[] | undefined) {
  const { app, chart } = meshChart();
  const svc = new MeshService(chart, 'broker', {
    image: 'registry.example.com/broker:1.0.0',
    ports: [{ port: 80, targetPort: 18083, protocol: 'http', name: 'http-dashboard' }, { port: 4370, protocol: 'tcp', name: 'tcp-cluster' }],
  });
  ServiceSecurity.of(svc).allow({ from: [{ namespaces: ['production'] }], to: ports && [{ ports }] });
  synth(app);
  return app.warnings.filter((w) => /MESH111|MESH662/.test(w)).map((w) => /\[(MESH\d+)\]/.exec(w)![1]).sort();
}

test("a rule for the cluster port alone serves no write on the dashboard's route: no MESH111 or MESH662 for its tier retries", () => {
  expect(broker([4370])).toEqual([]);
  // The rule on every port, or on the dashboard's pod port (80 → 18083: the sidecar matches 18083), serves every method there.
  expect(broker(undefined)).toEqual(['MESH111', 'MESH662']);
  expect(broker([18083])).toEqual(['MESH111', 'MESH662']);
});
