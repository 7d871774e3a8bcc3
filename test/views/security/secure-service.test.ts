import { Duration } from 'cdk8s';
import { MeshService, MtlsMode, Retries, SecureService, ServiceSecurity } from '../../../src';
import { find, meshChart, synth, synthError } from '../../util';

describe('SecureService', () => {
  test('default output (snapshot)', () => {
    const { app, chart } = meshChart();
    new SecureService(chart, 'payment-service', { image: 'example/payment:1' });
    expect(synth(app).filter((m) => m.metadata.labels?.['app.kubernetes.io/name'] === 'payment-service' || m.kind === 'DestinationRule' || m.kind === 'VirtualService')).toMatchSnapshot();
  });

  test('defaults: STRICT workload mTLS, retries only on reset-before-request,connect-failure, the stricter circuit breaker, LEAST_REQUEST', () => {
    const { app, chart } = meshChart();
    new SecureService(chart, 'payment-service', { image: 'example/payment:1' });
    const ms = synth(app);
    expect(find(ms, 'PeerAuthentication', 'payment-service').spec.mtls).toEqual({ mode: 'STRICT' });
    expect(find(ms, 'VirtualService', 'payment-service').spec.http[0].retries).toEqual({ attempts: 1, perTryTimeout: '5s', retryOn: 'reset-before-request,connect-failure' });
    expect(find(ms, 'DestinationRule', 'payment-service').spec.trafficPolicy).toMatchObject({
      loadBalancer: { simple: 'LEAST_REQUEST' },
      connectionPool: { tcp: { maxConnections: 50 }, http: { http1MaxPendingRequests: 50, http2MaxRequests: 100, maxRetries: 2 } },
      outlierDetection: { consecutive5xxErrors: 3, interval: '10s', baseEjectionTime: '60s', maxEjectionPercent: 50 },
    });
  });

  test('props win field by field over the secure defaults', () => {
    const { app, chart } = meshChart();
    new SecureService(chart, 'payment-service', {
      image: 'x',
      connectionPool: { tcp: { maxConnections: 20 } },
      outlierDetection: { consecutive5xxErrors: 2 },
      retries: Retries.of({ attempts: 2, perTryTimeout: Duration.seconds(3) }),
    });
    const ms = synth(app);
    const tp = find(ms, 'DestinationRule', 'payment-service').spec.trafficPolicy;
    expect(tp.connectionPool.tcp.maxConnections).toBe(20);
    expect(tp.connectionPool.http.http1MaxPendingRequests).toBe(50);
    expect(tp.outlierDetection).toMatchObject({ consecutive5xxErrors: 2, interval: '10s' });
    expect(find(ms, 'VirtualService', 'payment-service').spec.http[0].retries).toEqual({ attempts: 2, perTryTimeout: '3s', retryOn: 'reset-before-request,connect-failure' });
  });

  test('Retries.none() is allowed', () => {
    const { app, chart } = meshChart();
    new SecureService(chart, 'payment-service', { image: 'x', retries: Retries.none() });
    expect(find(synth(app), 'VirtualService', 'payment-service').spec.http[0].retries).toEqual({ attempts: 0 });
  });

  test.each(['5xx', 'gateway-error', 'retriable-4xx'] as const)('retryOn %s fails synth (a second charge)', (cond) => {
    const { app, chart } = meshChart();
    new SecureService(chart, 'payment-service', { image: 'x', retries: Retries.of({ retryOn: ['reset', cond] }) });
    expect(synthError(app)).toMatch(new RegExp(`\\[test/payment-service\\] retries.retryOn: ${cond} may resend.*\\[MESH207\\]`));
  });

  test('only declared callers are allowed', () => {
    const { app, chart } = meshChart();
    const payment = new SecureService(chart, 'payment-service', { image: 'x' });
    const order = new MeshService(chart, 'order-service', { image: 'x' });
    new MeshService(chart, 'search-service', { image: 'x' });
    order.calls(payment, { methods: ['POST'], paths: ['/api/payments/*', '/api/refunds/*'] });
    const rules = find(synth(app), 'AuthorizationPolicy', 'payment-service-policy').spec.rules;
    const principals = rules.flatMap((r: any) => (r.from ?? []).flatMap((f: any) => f.source.principals ?? []));
    expect(principals).toEqual(['cluster.local/ns/production/sa/order-service']);
  });

  test('a weaker workload mode is a named opt-out; its callers\' principal rules still refuse plaintext, a notPrincipals rule fails', () => {
    const { app, chart } = meshChart();
    const payment = new SecureService(chart, 'payment-service', { image: 'x', mtls: MtlsMode.permissive() });
    new MeshService(chart, 'order-service', { image: 'x' }).calls(payment);
    expect(find(synth(app), 'PeerAuthentication', 'payment-service').spec.mtls).toEqual({ mode: 'PERMISSIVE' });
    ServiceSecurity.of(payment).allow({ from: [{ notPrincipals: ['cluster.local/ns/production/sa/order-service'] }] });
    expect(synthError(app)).toMatch(/\[test\/payment-service\/Security\] allow\[0\]\.from\[0\].*\[MESH206\]/);
  });
});
