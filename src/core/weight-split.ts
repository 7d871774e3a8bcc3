/**
 * The weights-off-100 rule, written once: the constructs check their destinations
 * with it at synth (traffic/host-traffic.ts, release/canary-release.ts) and the
 * analysis checks rendered VirtualServices with it (validate/analysis/http-rules.ts).
 *
 * A single destination without a weight takes all of the traffic; otherwise every
 * destination carries a weight and the weights sum to 100.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRouteDestination
 *   ("The sum of weights across destinations SHOULD add up to 100 ... If there is only one
 *   destination in a rule, it will receive all the traffic.")
 *
 * Not exported from the package entry. (Not marked internal: this comment leads the first
 * declaration, which stripInternal would drop from the .d.ts while the next one names it.)
 */

/** One destination of a split: how a message names it, and its weight (undefined when the route gives none). */
export interface SplitDestination {
  /** The subset, or the host when there is no subset. */
  readonly name: string;
  /** The weight in percent; undefined when the destination has none. */
  readonly weight?: number;
}

/**
 * Why the weights of `destinations` are not a valid split, or undefined.
 * The message has no prefix and no code: callers add where and `[MESH012]`.
 */
export function weightSplitProblem(destinations: readonly SplitDestination[]): string | undefined {
  const weighted = destinations.some((d) => d.weight !== undefined);
  if (destinations.length < 2 && !weighted) return undefined;
  const missing = destinations.filter((d) => d.weight === undefined).map((d) => d.name);
  if (missing.length > 0 && destinations.length > 1) return `destinations ${missing.join(', ')} have no weight`;
  const sum = destinations.reduce((acc, d) => acc + (d.weight ?? 0), 0);
  if (sum === 100) return undefined;
  return `weights sum to ${sum}, expected 100 (${destinations.map((d) => `${d.name} ${d.weight ?? 0}`).join(', ')})`;
}
