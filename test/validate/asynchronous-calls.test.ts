// A fire-and-forget call (`asynchronous: true`) holds no response of its caller: it is no hop of
// the retry-chain check (MESH660). The manifests carry it as the callee's ALLOW policy annotation
// mesh.cdk8s.io/asynchronous-callers, which the check over the manifests reads.
import { Duration } from 'cdk8s';
import { Codes, MeshService } from '../../src';
import { validateManifests } from '../../src/validate';
import { find, meshChart, synth } from '../util';

function orders(asynchronous: boolean, alsoSynchronous = false) {
  const { app, chart } = meshChart();
  const api = new MeshService(chart, 'api', { image: 'api:1' });
  const order = new MeshService(chart, 'order', { image: 'order:1', timeout: Duration.seconds(1) });
  const notify = new MeshService(chart, 'notify', { image: 'notify:1', timeout: Duration.seconds(10) });
  api.calls(order, { methods: ['GET'] });
  order.calls(notify, { methods: ['GET'], asynchronous });
  if (alsoSynchronous) order.calls(notify, { methods: ['GET'], paths: ['/status'] });
  const out = synth(app);
  return { app, out };
}

const outerGivesUp = (warnings: readonly string[]) => warnings.filter((w) => w.includes(Codes.RETRY_OUTER_GIVES_UP_FIRST));

describe('an asynchronous call in the retry-chain check', () => {
  test('is not a hop: no MESH660 for order (1s) -> notify (10s) when order does not wait; a synchronous one is', () => {
    const fireAndForget = orders(true);
    expect(outerGivesUp(fireAndForget.app.warnings)).toEqual([]);
    expect(find(fireAndForget.out, 'AuthorizationPolicy', 'notify-policy').metadata.annotations).toEqual({
      'mesh.cdk8s.io/asynchronous-callers': 'cluster.local/ns/production/sa/order',
    });
    expect(outerGivesUp(orders(false).app.warnings)).toEqual([expect.stringMatching(/order's route gives up after 1000ms \(timeout\) while notify's route/)]);
  });

  test('a caller that also calls synchronously is not listed: its synchronous call is a hop', () => {
    const mixed = orders(true, true);
    expect(find(mixed.out, 'AuthorizationPolicy', 'notify-policy').metadata.annotations).toBeUndefined();
    expect(outerGivesUp(mixed.app.warnings)).toHaveLength(1);
  });

  test('over the manifests the annotation decides: without it the same policies warn', () => {
    const { out } = orders(true);
    const codes = (ms: Record<string, any>[]) => validateManifests(ms).map((f) => f.code);
    expect(codes(out)).not.toContain(Codes.RETRY_OUTER_GIVES_UP_FIRST);
    const stripped = out.map((m) => (m.kind === 'AuthorizationPolicy' && m.metadata.name === 'notify-policy'
      ? { ...m, metadata: { ...m.metadata, annotations: undefined } } : m));
    expect(codes(stripped)).toContain(Codes.RETRY_OUTER_GIVES_UP_FIRST);
  });
});
