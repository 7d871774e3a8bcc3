/**
 * What a method list left unset means, written once in core/http.ts, and each reader that reads
 * it: an unset (or empty) list is every method, as Istio's AuthorizationPolicy Operation reads it
 * (https://istio.io/latest/docs/reference/config/security/authorization-policy/#Operation).
 */
import { NON_IDEMPOTENT_RETRY_ON, MeshService, Retries } from '../../src';
import { flowMethods, isEveryMethod, mayWrite, ruleMethods } from '../../src/core/http';
import { analyze } from '../../src/validate/analysis';
import { app, authorizationPolicy, route, virtualService } from '../validate/fixtures';
import { find, meshChart, synth } from '../util';

describe('an unset method list', () => {
  test('is every method, whether left out or empty', () => {
    expect(isEveryMethod(undefined)).toBe(true);
    expect(isEveryMethod([])).toBe(true);
    expect(isEveryMethod(['GET'])).toBe(false);
  });

  test('security: the ALLOW rule names no methods, so it admits every one', () => {
    expect(ruleMethods(undefined)).toBeUndefined();
    expect(ruleMethods([])).toBeUndefined();
    expect(ruleMethods(['GET', 'POST'])).toEqual(['GET', 'POST']);
    const { app: meshApp, chart } = meshChart();
    const order = new MeshService(chart, 'order', { image: 'order:1' });
    new MeshService(chart, 'web', { image: 'web:1' }).calls(order);
    // No operation at all: the rule admits web's every method, on every path and port.
    expect(find(synth(meshApp), 'AuthorizationPolicy', 'order-policy').spec.rules).toEqual([
      { from: [{ source: { principals: ['cluster.local/ns/production/sa/web'] } }] },
    ]);
  });

  test('intended flows: one GET stands for every method the rule admits alike; named methods are each followed', () => {
    expect(flowMethods(undefined)).toEqual(['GET']);
    expect(flowMethods([])).toEqual(['GET']);
    expect(flowMethods(['POST', 'PATCH'])).toEqual(['POST', 'PATCH']);
    const { chart } = meshChart();
    const order = new MeshService(chart, 'order', { image: 'order:1' });
    const payment = new MeshService(chart, 'payment', { image: 'payment:1' });
    const web = new MeshService(chart, 'web', { image: 'web:1' });
    web.calls(order);
    web.calls(payment, { methods: ['POST'] });
    const methodsTo = (host: string) => [...new Set(chart.intendedFlows()
      .filter((f) => f.host === host && 'workload' in f.source && f.source.workload === 'web').map((f) => f.method))];
    expect(methodsTo('order')).toEqual(['GET']);
    expect(methodsTo('payment')).toEqual(['POST']);
  });

  test('retries: a caller that names no methods may POST, so the callee retries only where nothing reached it', () => {
    expect(mayWrite(undefined)).toBe(true);
    expect(mayWrite([])).toBe(true);
    expect(mayWrite(['GET', 'HEAD'])).toBe(false);
    expect(mayWrite(['GET', 'PATCH'])).toBe(true);
    const { chart } = meshChart();
    const retries = Retries.of({ attempts: 2 });
    const reads = new MeshService(chart, 'reads', { image: 'r:1', retries });
    const any = new MeshService(chart, 'any', { image: 'a:1', retries });
    const web = new MeshService(chart, 'web', { image: 'web:1' });
    web.calls(reads, { methods: ['GET'] });
    web.calls(any);
    expect(any.policy.retries?.retryOn).toEqual([...NON_IDEMPOTENT_RETRY_ON]);
    expect(reads.policy.retries?.retryOn).not.toEqual([...NON_IDEMPOTENT_RETRY_ON]);
  });

  test('retries over the manifests: an ALLOW rule that names no methods lets POST reach a route that retries on 5xx (MESH111)', () => {
    const [svc, sa, dep, dr] = app('orders');
    const retried = virtualService('orders', [{ retries: { attempts: 3, retryOn: '5xx' }, ...route('orders', 'stable') }]);
    const allowAny = authorizationPolicy('orders', { selector: { matchLabels: { app: 'orders' } }, rules: [{ to: [{ operation: { paths: ['/api/*'] } }] }] });
    const allowGet = authorizationPolicy('orders', { selector: { matchLabels: { app: 'orders' } }, rules: [{ to: [{ operation: { methods: ['GET'] } }] }] });
    const codes = (ap: any) => analyze([svc, sa, dep, dr, retried, ap]).map((f) => f.code);
    expect(codes(allowAny)).toContain('MESH111');
    expect(codes(allowGet)).not.toContain('MESH111');
  });
});
