import { Codes, MeshService, MtlsMode, NetworkPeer, ServiceSecurity } from '../../../src';
import { find, meshChart, synth, synthError } from '../../util';

/** A service without a sidecar (a legacy workload during a migration) that calls a meshed api of two ports. */
function legacyCallsApi(namespaceMtls?: MtlsMode) {
  const { app, chart } = meshChart(namespaceMtls ? { security: { namespaceMtls } } : {}, 'u');
  const api = new MeshService(chart, 'api', {
    image: 'registry.example.com/api:1.0.0', ports: [{ port: 8080, protocol: 'http' }, { port: 9090, protocol: 'http' }],
  });
  const legacy = new MeshService(chart, 'legacy', { image: 'registry.example.com/legacy:1.0.0', sidecar: { inject: false } });
  return { app, chart, api, legacy };
}

describe('a caller without a sidecar', () => {
  test('calling a STRICT meshed service that admits no plaintext fails synth at the caller, naming both refusals and the fix (MESH293)', () => {
    const { app, api, legacy } = legacyCallsApi();
    legacy.calls(api, { port: 8080, methods: ['GET'], paths: ['/x'] });
    const message = synthError(app);
    expect(message).toContain(
      '[u/legacy] legacy has no sidecar (sidecar.inject: false) and calls api on container port 8080, where api admits no plaintext from its pods: '
      + 'its requests carry no mTLS identity, so the rule api writes for cluster.local/ns/production/sa/legacy never matches them '
      + "(an AuthorizationPolicy principal requires mTLS), and api's STRICT mTLS on 8080 refuses them before any rule; "
      + 'give legacy a sidecar (drop sidecar.inject: false), or admit its plaintext on api: '
      + "ServiceSecurity.of(api).admitPlaintext({ peer: { namespace: 'production', podLabels: { app: 'legacy' } }, ports: [{ port: 8080, protocol: 'TCP' }] }) "
      + `(peer: { cidr } for its addresses), which makes that port PERMISSIVE [${Codes.PLAINTEXT_CALLER_NOT_ADMITTED}]`);
    // the construct error comes first, not only the flow's refusal
    expect(message).not.toContain('MESH600');
  });

  test('under PERMISSIVE mTLS the ALLOW rule by principal still never matches: MESH293 without the STRICT clause', () => {
    const { app, api, legacy } = legacyCallsApi(MtlsMode.permissive());
    legacy.calls(api, { port: 8080 });
    const message = synthError(app);
    expect(message).toMatch(/\[u\/legacy\] legacy has no sidecar .* calls api on container port 8080, .*never matches them \(an AuthorizationPolicy principal requires mTLS\); give legacy a sidecar.*\[MESH293\]/);
    expect(message).not.toContain('STRICT');
  });

  test('the admission the error names makes the call pass synth, flows included: its port PERMISSIVE, an ALLOW rule without an identity', () => {
    const { app, api, legacy } = legacyCallsApi();
    legacy.calls(api, { port: 8080, methods: ['GET'], paths: ['/x'] });
    ServiceSecurity.of(api).admitPlaintext({ peer: { namespace: 'production', podLabels: { app: 'legacy' } }, ports: [{ port: 8080, protocol: 'TCP' }] });
    const out = synth(app);
    expect(find(out, 'PeerAuthentication', 'api').spec.portLevelMtls).toEqual({ 8080: { mode: 'PERMISSIVE' } });
    expect(find(out, 'AuthorizationPolicy', 'api-policy').spec.rules).toContainEqual({ from: [{ source: { notPrincipals: ['*'] } }] });
  });

  test('a call to every port names only the ports no admission of its pods covers; another pod or namespace covers none', () => {
    const { app, api, legacy } = legacyCallsApi(MtlsMode.permissive());
    legacy.calls(api);
    const security = ServiceSecurity.of(api);
    security.admitPlaintext({ peer: { podLabels: { app: 'legacy' } }, ports: [{ port: 8080, protocol: 'TCP' }] });
    security.admitPlaintext({ peer: { podLabels: { app: 'ingress' } }, ports: [{ port: 9090, protocol: 'TCP' }] });
    security.admitPlaintext({ peer: { namespace: 'legacy', podLabels: { app: 'legacy' } }, ports: [{ port: 9090, protocol: 'TCP' }] });
    const message = synthError(app);
    expect(message).toMatch(/calls api on container port 9090, where api admits no plaintext from its pods.*ports: \[\{ port: 9090, protocol: 'TCP' \}\] \}\).*\[MESH293\]/);
    expect(message).not.toMatch(/port 8080/);
  });

  test('an admission by address, by the whole namespace or by any label its pods carry covers them; a meshed caller and a callee without a sidecar need none', () => {
    type Admit = 'cidr' | 'namespace' | 'own label' | 'injection label' | 'other label' | 'none';
    const build = (admit: Admit, legacyMeshed: boolean, apiMeshed: boolean) => {
      const { app, chart } = meshChart({ security: { namespaceMtls: MtlsMode.permissive() } }, 'u');
      const api = new MeshService(chart, 'api', { image: 'registry.example.com/api:1.0.0', ...(apiMeshed ? {} : { sidecar: { inject: false } }) });
      const legacy = new MeshService(chart, 'legacy', {
        image: 'registry.example.com/legacy:1.0.0', podLabels: { team: 'billing' }, ...(legacyMeshed ? {} : { sidecar: { inject: false } }),
      });
      legacy.calls(api);
      const peer: NetworkPeer | undefined = {
        'cidr': { cidr: '10.0.0.0/8' }, 'namespace': { namespace: 'production' }, 'own label': { podLabels: { team: 'billing' } },
        'injection label': { podLabels: { 'sidecar.istio.io/inject': 'false' } }, 'other label': { podLabels: { team: 'orders' } }, 'none': undefined,
      }[admit];
      if (peer) ServiceSecurity.of(api).admitPlaintext({ peer, ports: [{ port: 8080, protocol: 'TCP' }] });
      return app;
    };
    expect(synthError(build('none', false, true))).toContain('[MESH293]');
    expect(synthError(build('other label', false, true))).toContain('[MESH293]');
    for (const admit of ['cidr', 'namespace', 'own label', 'injection label'] as const) expect(() => synth(build(admit, false, true))).not.toThrow();
    expect(() => synth(build('none', true, true))).not.toThrow();
    expect(() => synth(build('none', false, false))).not.toThrow();
  });
});

describe('a plaintext admission', () => {
  test('on a port setMtls makes STRICT fails synth: STRICT refuses plaintext whatever the rule (MESH294); PERMISSIVE there passes', () => {
    const build = (port: MtlsMode | undefined) => {
      const { app, api, legacy } = legacyCallsApi();
      legacy.calls(api, { port: 8080 });
      const security = ServiceSecurity.of(api);
      security.admitPlaintext({ peer: { podLabels: { app: 'legacy' } }, ports: [{ port: 8080, protocol: 'TCP' }] });
      security.setMtls(MtlsMode.strict(), port ? { portLevelMtls: { 8080: port } } : {});
      return app;
    };
    expect(synthError(build(MtlsMode.strict()))).toContain(
      "[u/api/Security] admitPlaintext opens api's port 8080 to callers without a sidecar, but setMtls makes it STRICT (portLevelMtls): "
      + 'STRICT mTLS refuses plaintext whatever the AuthorizationPolicy admits, so these callers are refused; make the port PERMISSIVE in setMtls '
      + '(or leave it out of portLevelMtls: admitPlaintext makes it PERMISSIVE), or give the callers a sidecar and admit them by principal '
      + `[${Codes.PLAINTEXT_ADMISSION_STRICT}]`);
    expect(() => synth(build(MtlsMode.permissive()))).not.toThrow();
    expect(() => synth(build(undefined))).not.toThrow();
  });
});
