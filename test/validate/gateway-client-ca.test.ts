// MESH537: a Gateway server that verifies client certificates (MUTUAL, OPTIONAL_MUTUAL) takes their CA from a Secret
// <credentialName>-cacert of the gateway pods' namespace, else from the credential Secret's own ca.crt or cacert (istio/istio
// pilot/pkg/credentials/kube/secrets.go, GetCaCert). A cert-manager Certificate writes that ca.crt from the issuer of the server
// certificate, and none for an ACME issuer (cert-manager/cert-manager#1571): the partners' certificates are refused.
import { ApiObject } from 'cdk8s';
import { EdgeGateway, GatewayTls, MeshService, Warnings } from '../../src';
import { analyze } from '../../src/validate/analysis';
import { meshChart, synth } from '../util';

type M = Record<string, any>;
const gateway = (mode: string, tls: M = {}): M => ({
  apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'partners', namespace: 'partners' },
  spec: {
    selector: { istio: 'ingressgateway' },
    servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['api.example.com'], tls: { mode, credentialName: 'api-mtls', ...tls } }],
  },
});
const certificate = (ns = 'istio-system'): M => ({
  apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'api-cert', namespace: ns },
  spec: { secretName: 'api-mtls', dnsNames: ['api.example.com'], issuerRef: { name: 'letsencrypt', kind: 'ClusterIssuer' } },
});
const secret = (name: string, keys: string[]): M => ({
  apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'istio-system' }, type: 'Opaque',
  data: Object.fromEntries(keys.map((k) => [k, 'eA=='])),
});
const found = (manifests: M[]) => analyze(manifests).filter((f) => f.code === 'MESH537').map((f) => `${f.resource.name} ${f.field} ${f.severity}`);

describe("MESH537 (warning): a Gateway that verifies client certificates with no CA of the clients'", () => {
  test('a MUTUAL or OPTIONAL_MUTUAL credential that a cert-manager Certificate writes, with no -cacert Secret', () => {
    expect(found([gateway('MUTUAL'), certificate()])).toEqual(['partners spec.servers[0].tls.credentialName warning']);
    expect(found([gateway('OPTIONAL_MUTUAL'), certificate()])).toHaveLength(1);
    const [f] = analyze([gateway('MUTUAL'), certificate()]).filter((x) => x.code === 'MESH537');
    expect(f.message).toMatch(/^MUTUAL verifies client certificates with the CA of Secret istio-system\/api-mtls, which cert-manager Certificate istio-system\/api-cert writes: its ca\.crt is the CA of issuer letsencrypt .* Secret api-mtls-cacert \(key ca\.crt\) of istio-system/);
  });

  test("the clients' CA in <credentialName>-cacert, a server that does not verify clients, a CA file, another namespace's Certificate: none", () => {
    expect(found([gateway('MUTUAL'), certificate(), secret('api-mtls-cacert', ['ca.crt'])])).toEqual([]);
    expect(found([gateway('SIMPLE'), certificate()])).toEqual([]);
    expect(found([gateway('MUTUAL', { caCertificates: '/etc/partners/ca.pem' }), certificate()])).toEqual([]);
    expect(found([gateway('MUTUAL'), certificate('partners')])).toEqual([]);
  });

  test('a credential Secret of the manifests without ca.crt or cacert holds no CA; with one it does', () => {
    expect(found([gateway('MUTUAL'), secret('api-mtls', ['tls.crt', 'tls.key'])])).toEqual(['partners spec.servers[0].tls.credentialName warning']);
    expect(found([gateway('MUTUAL'), secret('api-mtls', ['tls.crt', 'tls.key', 'ca.crt'])])).toEqual([]);
    expect(found([gateway('MUTUAL'), secret('api-mtls', ['cert', 'key', 'cacert'])])).toEqual([]);
  });

  test('at synth, on the EdgeGateway of GatewayTls.mutual, acknowledgeable there', () => {
    const build = (acknowledge: boolean) => {
      const { app, chart } = meshChart({ namespace: 'partners' });
      const api = new MeshService(chart, 'api', { image: 'registry.example.com/api:1.0.0' });
      new ApiObject(chart, 'api-cert', { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'api-cert', namespace: 'istio-system' }, spec: certificate().spec });
      const gw = new EdgeGateway(chart, 'partners', {
        servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['api.example.com'], tls: GatewayTls.mutual('api-mtls') }],
      });
      gw.route(api);
      if (acknowledge) Warnings.of(gw).acknowledge('MESH537', 'the private issuer signs the partners\' certificates too');
      synth(app);
      return app.warnings.filter((w) => w.includes('MESH537'));
    };
    expect(build(false)).toEqual([expect.stringMatching(/^(warning: )?\[test\/partners\/Resource\] .*spec\.servers\[0\]\.tls\.credentialName: MUTUAL verifies .*\[MESH537\]$/)]);
    expect(build(true)).toEqual([]);
  });
});
