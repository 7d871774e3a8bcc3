import { Duration } from 'cdk8s';
import { istioDurationProblem, parseIstioDuration, toIstioDuration, toPromDuration } from '../../src/core/duration';

describe('Istio durations', () => {
  test.each([
    [Duration.millis(1), '1ms'],
    [Duration.millis(250), '250ms'],
    [Duration.millis(1500), '1500ms'],
    [Duration.seconds(15), '15s'],
    [Duration.minutes(1), '60s'],
  ])('%s renders as %s', (d, text) => {
    expect(toIstioDuration(d)).toBe(text);
  });

  test('1ms is the smallest duration; under it, or a fraction of a ms, is a problem', () => {
    expect(istioDurationProblem(Duration.millis(1))).toBeUndefined();
    expect(istioDurationProblem(Duration.millis(0))).toMatch(/under 1ms/);
    expect(istioDurationProblem(Duration.millis(0.5))).toMatch(/under 1ms/);
    expect(istioDurationProblem(Duration.millis(1.5))).toMatch(/not a whole number of milliseconds/);
  });

  test('rendering never throws: a duration Istio cannot take is written as it reads, for the checks to report', () => {
    expect(toIstioDuration(Duration.millis(1.5))).toBe('1.5ms');
    expect(toIstioDuration(Duration.millis(0.5))).toBe('0.5ms');
  });

  test('parses what Istio writes', () => {
    expect(parseIstioDuration('250ms')).toBe(250);
    expect(parseIstioDuration('1.5s')).toBe(1500);
    expect(parseIstioDuration('2m')).toBe(120_000);
    expect(parseIstioDuration('15')).toBeUndefined();
  });
});

describe('Prometheus durations', () => {
  test.each([
    [Duration.minutes(5), '5m'],
    [Duration.hours(1), '1h'],
    [Duration.days(30), '30d'],
    [Duration.seconds(90), '90s'],
    [Duration.millis(1500), '1500ms'],
  ])('%s renders as %s', (d, text) => {
    expect(toPromDuration(d)).toBe(text);
  });

  test('rejects zero', () => {
    expect(() => toPromDuration(Duration.millis(0))).toThrow(/invalid Prometheus duration/);
  });
});
