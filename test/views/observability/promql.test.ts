import { promqlProblem } from '../../../src/views/observability/promql';

describe('promqlProblem', () => {
  test('accepts valid PromQL and names the offset of the first error', () => {
    expect(promqlProblem('sum(rate(istio_requests_total{destination_service_name="a"}[5m])) > 0.001')).toBeUndefined();
    expect(promqlProblem('sum(rate(istio_requests_total[5m])')).toMatch(/not valid PromQL: syntax error at offset \d+/);
    expect(promqlProblem('rate(x[5 m])')).toMatch(/not valid PromQL/);
  });

  test('an expression shaped like a valid one (other label values) is valid; a broken one of the same labels is not', () => {
    // GIVEN a template parsed once with one service's labels
    expect(promqlProblem('histogram_quantile(0.99, sum(rate(m_bucket{svc="order"}[5m])) by (le)) > 500')).toBeUndefined();
    // THEN the same shape with other label values (quotes and escapes included) passes
    expect(promqlProblem('histogram_quantile(0.99, sum(rate(m_bucket{svc="pay\\"ment"}[5m])) by (le)) > 500')).toBeUndefined();
    // AND a change outside the literals is parsed again and caught
    expect(promqlProblem('histogram_quantile(0.99, sum(rate(m_bucket{svc="order"}[5m]) by (le)) > 500')).toMatch(/not valid PromQL/);
    expect(promqlProblem('histogram_quantile(0.99, sum(rate(m_bucket{svc="order}[5m])) by (le)) > 500')).toMatch(/not valid PromQL/);
  });
});
