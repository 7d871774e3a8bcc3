import { ApiObject } from 'cdk8s';
import { Codes, MeshService, MeshPlatform, MeshWideMtls, MtlsMode, MtlsPolicy } from '../../../src';
import { validateCli, validateManifests } from '../../../src/validate';
import { find, meshChart, synth, synthError } from '../../util';

const kinds = ['PeerAuthentication', 'AuthorizationPolicy', 'NetworkPolicy'];

describe('MeshSecurity', () => {
  test('a plain MeshChart is secure by default (snapshot)', () => {
    const { app } = meshChart();
    expect(synth(app).filter((m) => kinds.includes(m.kind))).toMatchSnapshot();
  });

  test('the namespace STRICT, and no mesh-wide object unless the chart opts in; the scrape needs no PeerAuthentication', () => {
    const { app } = meshChart();
    const layers = synth(app).filter((m) => m.kind === 'PeerAuthentication').map((m) => [m.metadata.namespace, m.metadata.name, m.spec]);
    expect(layers).toEqual([['production', 'default', { mtls: { mode: 'STRICT' } }]]);
  });

  test("staged opt-in: PERMISSIVE first, then STRICT with the first stage's record; an empty record throws (MESH641)", () => {
    const modeOf = (meshMtls: MeshWideMtls) => {
      const { app } = meshChart({ security: { meshMtls } });
      return synth(app).filter((m) => m.kind === 'PeerAuthentication' && m.metadata.namespace === 'istio-system').map((m) => m.spec);
    };
    expect(modeOf(MeshWideMtls.none())).toEqual([]);
    expect(modeOf(MeshWideMtls.permissive())).toEqual([{ mtls: { mode: 'PERMISSIVE' } }]);
    const strict = MeshWideMtls.strict({ plaintextClientsChecked: 'no connection_security_policy="none" for 14 days' });
    expect(modeOf(strict)).toEqual([{ mtls: { mode: 'STRICT' } }]);
    expect(strict.plaintextClientsChecked).toBe('no connection_security_policy="none" for 14 days');
    expect(() => MeshWideMtls.strict({ plaintextClientsChecked: ' ' })).toThrow(/mesh-wide STRICT needs plaintextClientsChecked.*\[MESH641\]/);
  });

  test('the root namespace is configurable (seed 003 runs istiod in service-mesh)', () => {
    const { app } = meshChart({ platform: MeshPlatform.of({ istio: { rootNamespace: 'service-mesh' } }), security: { meshMtls: MeshWideMtls.permissive() } });
    const ms = synth(app);
    const pa = ms.find((m) => m.kind === 'PeerAuthentication' && m.metadata.namespace === 'service-mesh');
    expect(pa?.spec).toEqual({ mtls: { mode: 'PERMISSIVE' } });
    expect(ms.some((m) => m.metadata.namespace === 'istio-system')).toBe(false);
  });

  test('the allow-nothing baseline and deny-all NetworkPolicy', () => {
    const { app } = meshChart();
    const ms = synth(app);
    expect(find(ms, 'AuthorizationPolicy', 'allow-nothing').spec).toEqual({});
    expect(find(ms, 'NetworkPolicy', 'default-deny').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: [] });
  });

  test('opt-outs are explicit and named', () => {
    const { app } = meshChart({
      security: { namespaceMtls: MtlsMode.permissive(), allowMetricsScraping: false, allowNothingBaseline: false },
    });
    const ms = synth(app);
    expect(ms.filter((m) => m.kind === 'PeerAuthentication').map((m) => [m.metadata.namespace, m.spec.mtls.mode])).toEqual([['production', 'PERMISSIVE']]);
    expect(ms.some((m) => m.metadata.name === 'allow-nothing')).toBe(false);
  });

  // MeshConfig rootNamespace (https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#MeshConfig): a selector-less
  // policy there applies to every namespace (https://istio.io/latest/docs/reference/config/security/authorization-policy/).
  test('the checks read the platform\'s root namespace: a mesh-wide DENY there is not a policy for an empty namespace (MESH691)', () => {
    const { app, chart } = meshChart({ platform: MeshPlatform.of({ istio: { rootNamespace: 'service-mesh' } }) });
    new MeshService(chart, 'orders', { image: 'orders:1' });
    new ApiObject(chart, 'deny-debug', {
      apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'deny-debug', namespace: 'service-mesh' },
      spec: { action: 'DENY', rules: [{ to: [{ operation: { paths: ['/debug/*'] } }] }] },
    });
    const ms = synth(app);
    expect(app.warnings.filter((w) => w.includes(Codes.AUTHORIZATION_POLICY_MATCHES_NOTHING))).toEqual([]);
    // The same with the platform given to the validator; under istio-system's name, service-mesh is one more namespace.
    const mesh691 = (rootNamespace?: string) => validateManifests(ms, { rootNamespace })
      .filter((f) => f.code === Codes.AUTHORIZATION_POLICY_MATCHES_NOTHING);
    expect(mesh691('service-mesh')).toEqual([]);
    expect(mesh691().map((f) => f.message)).toEqual(['applies to namespace service-mesh, where no workload runs']);
    // cdk8s-mesh-validate over the written files reads the root namespace from the platform their Namespace records.
    app.synth();
    let out = '';
    expect(validateCli([app.outdir], { stdout: (t) => { out += t; }, stderr: () => undefined, cwd: process.cwd() })).toBe(0);
    expect(out).not.toContain(Codes.AUTHORIZATION_POLICY_MATCHES_NOTHING);
    expect(out).toMatch(/platform as recorded on 1 Namespace/);
  });

  test('a bad root namespace is refused when the platform is described, naming the field', () => {
    expect(() => MeshPlatform.of({ istio: { rootNamespace: 'Istio_System' } })).toThrow(/platform istio.rootNamespace: .*\[MESH001\]/);
  });
});

describe('MtlsPolicy', () => {
  test('workload and port-level modes, ports sorted', () => {
    const { app, chart } = meshChart();
    new MtlsPolicy(chart, 'legacy', {
      name: 'legacy', namespace: 'production', mode: MtlsMode.strict(), selector: { app: 'legacy' },
      portLevelMtls: { 9090: MtlsMode.permissive(), 8081: MtlsMode.disable() },
    });
    expect(find(synth(app), 'PeerAuthentication', 'legacy').spec).toEqual({
      selector: { matchLabels: { app: 'legacy' } },
      mtls: { mode: 'STRICT' },
      portLevelMtls: { 8081: { mode: 'DISABLE' }, 9090: { mode: 'PERMISSIVE' } },
    });
  });

  test('portLevelMtls without a selector fails synth', () => {
    const { app, chart } = meshChart();
    new MtlsPolicy(chart, 'ns-ports', { name: 'ns-ports', namespace: 'production', mode: MtlsMode.strict(), portLevelMtls: { 8080: MtlsMode.permissive() } });
    expect(synthError(app)).toMatch(/\[test\/ns-ports\] portLevelMtls \(ports 8080\).*\[MESH204\]/);
  });

  test.each([[0, true], [1, false], [65535, false], [65536, true]])('port %i: error %s', (port, bad) => {
    const { app, chart } = meshChart();
    new MtlsPolicy(chart, 'p', { name: 'p', namespace: 'production', mode: MtlsMode.strict(), selector: { app: 'x' }, portLevelMtls: { [port]: MtlsMode.disable() } });
    if (bad) expect(synthError(app)).toMatch(/portLevelMtls\[\d+\].*\[MESH004\]/);
    else expect(() => synth(app)).not.toThrow();
  });
});
