import { ApiObject, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import {
  AuthorizationAction, EdgeAuthentication, IngressGateway, MeshAuthorizationPolicy, MeshSecurity, MeshService, MtlsMode, MtlsPolicy, Principal,
  ServiceSecurity,
} from '../../src';
import { freshCopy } from '../setup/compiled';
import { find, meshChart, synth } from '../util';

/** Every construct path under `scope`, sorted. */
const paths = (scope: Construct) => scope.node.findAll().map((c) => c.node.path).sort();

describe('security constructs: their Istio object is the default child', () => {
  test('MtlsPolicy: a PeerAuthentication `Resource`, patchable through ApiObject.of', () => {
    // GIVEN a workload policy
    const { app, chart } = meshChart();
    const policy = new MtlsPolicy(chart, 'pa', { name: 'web', namespace: 'production', mode: MtlsMode.strict(), selector: { app: 'web' } });
    // THEN its default child is the PeerAuthentication
    expect(policy.node.defaultChild?.node.id).toBe('Resource');
    const obj = ApiObject.of(policy);
    expect([obj.apiVersion, obj.kind, obj.name]).toEqual(['security.istio.io/v1', 'PeerAuthentication', 'web']);
    // AND the user's escape hatch reaches the rendered object
    obj.addJsonPatch(JsonPatch.add('/spec/mtls/mode', 'PERMISSIVE'));
    expect(find(synth(app), 'PeerAuthentication', 'web').spec.mtls).toEqual({ mode: 'PERMISSIVE' });
  });

  test('MeshAuthorizationPolicy: an AuthorizationPolicy `Resource`', () => {
    const { chart } = meshChart();
    const policy = new MeshAuthorizationPolicy(chart, 'deny-admin', { action: AuthorizationAction.deny(), rules: [{ to: [{ paths: ['/admin/*'] }] }] });
    expect(policy.node.defaultChild?.node.id).toBe('Resource');
    const obj = ApiObject.of(policy);
    expect([obj.kind, obj.name, obj.metadata.namespace]).toEqual(['AuthorizationPolicy', 'deny-admin', 'production']);
    expect(obj.toJson().spec).toEqual({ action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin/*'] } }] }] });
  });

  test('EdgeAuthentication: a RequestAuthentication `Resource`', () => {
    const { chart } = meshChart();
    const gateway = new MeshService(chart, 'api-gateway', { image: 'img' });
    const edge = new EdgeAuthentication(chart, 'edge', { service: gateway, issuer: 'https://auth.example.com', jwksUri: 'https://auth.example.com/jwks' });
    expect(edge.node.defaultChild?.node.id).toBe('Resource');
    const obj = ApiObject.of(edge);
    expect([obj.kind, obj.name]).toEqual(['RequestAuthentication', 'api-gateway-jwt']);
    // cdk8s import writes the field under its proto name, `jwks_uri`, which the 1.24 CRD schema also lists.
    expect(obj.toJson().spec.jwtRules).toEqual([{ issuer: 'https://auth.example.com', jwks_uri: 'https://auth.example.com/jwks', forwardOriginalToken: false }]);
  });

  test('ServiceSecurity writes three objects, so it has no default child; each is a field', () => {
    const { chart } = meshChart();
    const svc = new MeshService(chart, 'order-service', { image: 'img' });
    const security = ServiceSecurity.of(svc);
    expect(security.node.defaultChild).toBeUndefined();
    expect(() => ApiObject.of(security)).toThrow();
    const objects = [security.authorizationPolicy, security.networkPolicy, security.sidecar];
    expect(objects.map((o) => [o.node.id, o.kind, o.name])).toEqual([
      ['AuthorizationPolicy', 'AuthorizationPolicy', 'order-service-policy'],
      ['NetworkPolicy', 'NetworkPolicy', 'order-service'],
      ['Sidecar', 'Sidecar', 'order-service'],
    ]);
    expect(objects.every((o) => ApiObject.of(o) === o)).toBe(true);
    // setMtls's policy has the PeerAuthentication as its default child
    const pa = security.setMtls(MtlsMode.strict());
    expect([pa.node.path, ApiObject.of(pa).kind]).toEqual(['test/order-service/Security/PeerAuthentication', 'PeerAuthentication']);
  });

  test("MeshSecurity: the namespace's PeerAuthentication, allow-nothing policy and deny-all NetworkPolicy", () => {
    const { chart } = meshChart();
    const security = MeshSecurity.of(chart);
    const namespaceMtls = security.node.findChild('NamespaceMtls');
    expect(Object.prototype.isPrototypeOf.call(MtlsPolicy.prototype, namespaceMtls) && ApiObject.of(namespaceMtls).kind).toBe('PeerAuthentication');
    const allowNothing = security.node.findChild('AllowNothing');
    const defaultDeny = security.node.findChild('DefaultDeny');
    expect(ApiObject.isApiObject(allowNothing) && [allowNothing.kind, allowNothing.name, allowNothing.toJson().spec]).toEqual(['AuthorizationPolicy', 'allow-nothing', {}]);
    expect(ApiObject.isApiObject(defaultDeny) && [defaultDeny.kind, defaultDeny.toJson().spec]).toEqual(['NetworkPolicy', { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: [] }]);
  });
});

describe('security values and policies are immutable', () => {
  test('modes, policies, actions and principals have no writable field', () => {
    const { chart } = meshChart();
    const policy = new MtlsPolicy(chart, 'pa', { name: 'web', namespace: 'production', mode: MtlsMode.strict() });
    const authz = new MeshAuthorizationPolicy(chart, 'authz');
    const principal = Principal.serviceAccount('production', 'web');
    // Never called: the assignments are checked by the type-checker (npm test), not run.
    const mutate = () => {
      // @ts-expect-error MtlsPolicy.mode is readonly
      policy.mode = MtlsMode.permissive();
      // @ts-expect-error MtlsMode.mode is readonly
      policy.mode.mode = 'DISABLE';
      // @ts-expect-error the port modes are a readonly record
      policy.portLevelMtls[8080] = MtlsMode.disable();
      // @ts-expect-error MeshAuthorizationPolicy.action is readonly
      authz.action = AuthorizationAction.deny();
      // @ts-expect-error Principal fields are readonly
      principal.namespace = 'staging';
    };
    expect(typeof mutate).toBe('function');
    expect([policy.mode.mode, authz.action.name, principal.toString()]).toEqual(['STRICT', 'ALLOW', 'cluster.local/ns/production/sa/web']);
  });

  test('a construct keeps copies of the arrays it was given: changing them later changes nothing', () => {
    // GIVEN arrays the user keeps and changes after construction
    const { app, chart } = meshChart();
    const gateway = new MeshService(chart, 'api-gateway', { image: 'img' });
    const audiences = ['ec-site'];
    const rules = [{ to: [{ paths: ['/admin/*'] }] }];
    new IngressGateway(chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls' }).route(gateway, { pathPrefix: '/api/' });
    const edge = new EdgeAuthentication(chart, 'edge', { service: gateway, issuer: 'https://auth.example.com', jwksUri: 'https://auth.example.com/jwks', audiences });
    new MeshAuthorizationPolicy(chart, 'deny-admin', { action: AuthorizationAction.deny(), rules });
    audiences.push('other');
    rules.push({ to: [{ paths: ['/debug/*'] }] });
    // THEN the output is what was given at construction
    const out = synth(app);
    expect(edge.audiences).toEqual(['ec-site']);
    expect(find(out, 'RequestAuthentication', 'api-gateway-jwt').spec.jwtRules[0].audiences).toEqual(['ec-site']);
    expect(find(out, 'AuthorizationPolicy', 'deny-admin').spec.rules).toEqual([{ to: [{ operation: { paths: ['/admin/*'] } }] }]);
  });
});

describe('security lookups and brands', () => {
  test('MeshSecurity.of and ServiceSecurity.of find and never create', () => {
    const { app, chart } = meshChart();
    const svc = new MeshService(chart, 'order-service', { image: 'img' });
    const before = paths(app);
    expect(MeshSecurity.of(svc)).toBe(chart.node.findChild('Security'));
    expect(ServiceSecurity.of(svc)).toBe(svc.node.findChild('Security'));
    expect(ServiceSecurity.of(svc)).toBe(ServiceSecurity.of(svc));
    expect(paths(app)).toEqual(before);
    // A construct outside any MeshChart gets an error naming its path, and no MeshSecurity.
    const stray = new Construct(app, 'stray');
    expect(() => MeshSecurity.of(stray)).toThrow('stray is not inside a MeshChart [MESH070]');
    expect(stray.node.children).toEqual([]);
  });

  test('each class recognizes its own instances and nothing else', () => {
    const { chart } = meshChart();
    const svc = new MeshService(chart, 'order-service', { image: 'img' });
    const mesh = MeshSecurity.of(chart);
    const service = ServiceSecurity.of(svc);
    const values = [mesh, service, svc, chart, new Construct(chart, 'plain'), undefined, null, 'Security'];
    expect(values.map((v) => MeshSecurity.isMeshSecurity(v))).toEqual([true, false, false, false, false, false, false, false]);
    expect(values.map((v) => ServiceSecurity.isServiceSecurity(v))).toEqual([false, true, false, false, false, false, false, false]);
  });

  test('the brands hold across two copies of the library', () => {
    // GIVEN a second copy of the library, loaded apart (its classes are other objects)
    const [other] = freshCopy('src') as [typeof import('../../src')];
    expect(other.MeshSecurity).not.toBe(MeshSecurity);
    // WHEN a chart and a service are built with the second copy
    const app = new other.MeshApp();
    const chart = new other.MeshChart(app, 'dev', { namespace: 'dev' });
    const svc = new other.MeshService(chart, 'order-service', { image: 'img' });
    const foreignMesh = chart.node.findChild('Security');
    const foreignService = svc.node.findChild('Security');
    // THEN this copy recognizes their security constructs, which instanceof would not
    expect(foreignMesh instanceof MeshSecurity).toBe(false);
    expect([MeshSecurity.isMeshSecurity(foreignMesh), ServiceSecurity.isServiceSecurity(foreignService)]).toEqual([true, true]);
    expect([MeshSecurity.isMeshSecurity(foreignService), ServiceSecurity.isServiceSecurity(foreignMesh)]).toEqual([false, false]);
    // AND this copy's lookups find them
    expect(MeshSecurity.of(svc)).toBe(foreignMesh);
    expect(ServiceSecurity.of(svc)).toBe(foreignService);
  });
});
