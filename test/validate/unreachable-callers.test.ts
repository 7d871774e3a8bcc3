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
        + 'production/ledger, which it cannot reach: its own Sidecar production/fraud lists no host of ledger, so its requests never carry its '
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
