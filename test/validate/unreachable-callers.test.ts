// An ALLOW rule that admits a caller whose own Sidecar never reaches the callee (fraud admitted on
// ledger, fraud declaring no call to ledger): MESH218 names both, and the retry analysis does not
// take the rule for a call (no MESH660 for a hop fraud never makes).
import { Duration } from 'cdk8s';
import { Codes, MeshService, ServiceSecurity } from '../../src';
import { validateManifests } from '../../src/validate';
import { meshChart, synth } from '../util';

function payments(fraudCallsLedger: boolean) {
  const { app, chart } = meshChart();
  const payments = new MeshService(chart, 'payments', { image: 'payments:1' });
  const fraud = new MeshService(chart, 'fraud', { image: 'fraud:1', timeout: Duration.seconds(1) });
  const ledger = new MeshService(chart, 'ledger', { image: 'ledger:1', timeout: Duration.seconds(5) });
  payments.calls(fraud, { methods: ['GET'] });
  if (fraudCallsLedger) fraud.calls(ledger, { methods: ['GET'] });
  ServiceSecurity.of(ledger).allow({ from: [{ services: [fraud] }], to: [{ methods: ['GET'], paths: ['/ledger/*'] }] });
  const out = synth(app);
  return { app, out };
}

describe('an ALLOW rule for a caller that cannot reach the callee', () => {
  test('warns naming both sides and the Sidecar that refuses, on the construct that wrote the policy', () => {
    const { app } = payments(false);
    const warnings = app.warnings.filter((w) => w.includes(Codes.RULE_CALLER_CANNOT_REACH));
    expect(warnings).toEqual([
      '[test/ledger/Security/AuthorizationPolicy] test/AuthorizationPolicy/ledger-policy: spec.rules[0].from[0].source.principals[0]: admits production/fraud on '
        + 'production/ledger, which it cannot reach: its Sidecar production/fraud lists no host of ledger, so its requests never carry its '
        + 'identity there; declare the call (fraud.calls(ledger)) or drop the rule [MESH218]',
    ]);
  });

  test('the retry analysis does not count it as a call: no MESH660 for fraud -> ledger; declared, the call is counted and nothing is unreachable', () => {
    const unreached = payments(false);
    expect(unreached.app.warnings.filter((w) => w.includes(Codes.RETRY_OUTER_GIVES_UP_FIRST))).toEqual([]);
    const declared = payments(true);
    expect(declared.app.warnings.filter((w) => w.includes(Codes.RULE_CALLER_CANNOT_REACH))).toEqual([]);
    expect(declared.app.warnings.filter((w) => w.includes(Codes.RETRY_OUTER_GIVES_UP_FIRST))).toEqual([
      expect.stringMatching(/fraud's route gives up after 1000ms \(timeout\) while ledger's route/),
    ]);
  });

  test('the same verdict over the manifests alone (cdk8s-mesh-validate)', () => {
    const { out } = payments(false);
    const codes = validateManifests(out).map((f) => f.code);
    expect(codes).toContain(Codes.RULE_CALLER_CANNOT_REACH);
    expect(codes).not.toContain(Codes.RETRY_OUTER_GIVES_UP_FIRST);
  });
});

/**
 * The Sidecar that applies is Istio's: the caller's own (workloadSelector), else its namespace's selector-less one, else
 * the root namespace's (https://istio.io/latest/docs/reference/config/networking/sidecar/), as the flows read it.
 */
describe('the Sidecar that applies to the caller, as the flows read it', () => {
  const M = (kind: string, name: string, namespace: string, spec: Record<string, any>, extra: Record<string, any> = {}) => ({
    apiVersion: kind === 'Deployment' ? 'apps/v1' : kind === 'Service' ? 'v1' : kind === 'AuthorizationPolicy' ? 'security.istio.io/v1' : 'networking.istio.io/v1',
    kind, metadata: { name, namespace, ...extra }, spec,
  });
  const deployment = (name: string, inject = true) => M('Deployment', name, 'shop', {
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name, ...(inject ? {} : { 'sidecar.istio.io/inject': 'false' }) } },
      spec: { serviceAccountName: name, containers: [{ name, image: `${name}:1` }] },
    },
  });
  const cluster = (sidecar: Record<string, any>, inject = true) => [
    deployment('fraud', inject), deployment('ledger'),
    M('Service', 'ledger', 'shop', { selector: { app: 'ledger' }, ports: [{ name: 'http', port: 80 }] }),
    M('AuthorizationPolicy', 'ledger', 'shop', {
      selector: { matchLabels: { app: 'ledger' } }, rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/fraud'] } }] }],
    }),
    sidecar,
  ];
  const onlyOwnNamespace = { egress: [{ hosts: ['istio-system/*', 'other/*'] }] };
  const mesh218 = (manifests: Record<string, any>[]) => validateManifests(manifests, { analysisOnly: true })
    .filter((f) => f.code === Codes.RULE_CALLER_CANNOT_REACH).map((f) => f.message.replace(/, so its requests.*$/, ''));

  test.each([
    ['its namespace\'s selector-less Sidecar', M('Sidecar', 'default', 'shop', onlyOwnNamespace)],
    ['the root namespace\'s selector-less Sidecar', M('Sidecar', 'default', 'istio-system', onlyOwnNamespace)],
  ])('%s that lists no host of the callee refuses it', (_name, sidecar) => {
    expect(mesh218(cluster(sidecar))).toEqual([
      `admits shop/fraud on shop/ledger, which it cannot reach: its Sidecar ${sidecar.metadata.namespace}/default lists no host of ledger`,
    ]);
  });

  test('one that lists it, one of another namespace, and a caller without a sidecar: no warning', () => {
    expect(mesh218(cluster(M('Sidecar', 'default', 'shop', { egress: [{ hosts: ['./*'] }] })))).toEqual([]);
    expect(mesh218(cluster(M('Sidecar', 'default', 'other', onlyOwnNamespace)))).toEqual([]);
    expect(mesh218(cluster(M('Sidecar', 'default', 'shop', onlyOwnNamespace), false))).toEqual([]);
  });

  // MeshConfig rootNamespace (https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#MeshConfig): the mesh's, not istio-system by name.
  test('the root namespace is the mesh\'s: with rootNamespace mesh-root, its Sidecar applies and istio-system\'s does not', () => {
    const inRoot = (ns: string) => validateManifests(cluster(M('Sidecar', 'default', ns, onlyOwnNamespace)), { analysisOnly: true, rootNamespace: 'mesh-root' })
      .filter((f) => f.code === Codes.RULE_CALLER_CANNOT_REACH).map((f) => f.message.replace(/, so its requests.*$/, ''));
    expect(inRoot('mesh-root')).toEqual(['admits shop/fraud on shop/ledger, which it cannot reach: its Sidecar mesh-root/default lists no host of ledger']);
    expect(inRoot('istio-system')).toEqual([]);
    expect(() => validateManifests([], { rootNamespace: 'Istio_System' })).toThrow(/validate options: rootNamespace 'Istio_System' .*\[MESH001\]/);
  });
});
