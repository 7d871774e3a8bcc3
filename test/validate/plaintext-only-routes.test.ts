import { Cidr, MeshService, MtlsMode, ServiceSecurity, ServiceType } from '../../src';
import { meshChart, synth } from '../util';

/**
 * A service admitted only to clients without a sidecar (`notPrincipals: ["*"]`): a sidecar client sends Istio mTLS to a pod with a
 * sidecar (https://istio.io/latest/docs/tasks/security/authentication/authn-policy/#auto-mutual-tls), whose principal that source
 * excludes, so no request it admits passed the service's mesh route, and that route's retries apply to no write.
 */
function admin(from: 'plaintext' | 'namespace') {
  const { app, chart } = meshChart();
  const ui = new MeshService(chart, 'admin-ui', {
    image: 'registry.example.com/admin-ui:1.0.0', service: { type: ServiceType.loadBalancer([Cidr.of('10.200.0.0/16')]) },
  });
  const security = ServiceSecurity.of(ui);
  security.setMtls(MtlsMode.strict(), { portLevelMtls: { 8080: MtlsMode.permissive() } });
  security.allowIngressFrom({ cidr: '10.200.0.0/16' }, [{ port: 8080, protocol: 'TCP' }]);
  security.allow({ from: [from === 'plaintext' ? { notPrincipals: ['*'] } : { namespaces: ['production'] }] });
  synth(app);
  return app.warnings.filter((w) => /MESH111|MESH662/.test(w)).map((w) => /\[(MESH\d+)\]/.exec(w)![1]);
}

test("the tier's retries on 5xx and reset: no MESH111 or MESH662 for a route no sidecar client's write passes", () => {
  expect(admin('plaintext')).toEqual([]);
  // A rule admitting the namespace's workloads admits sidecar clients, whose every method the route then serves.
  expect(admin('namespace').sort()).toEqual(['MESH111', 'MESH662']);
});
