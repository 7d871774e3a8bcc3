import { Percentage } from '../../core/weight';

/**
 * What a service must serve: its peak request rate and the headroom kept above it.
 * Seed 000: search peaks at 1,000 RPS and is limited at 1,200 (20% headroom).
 */
export interface TrafficCapacity {
  /** The peak rate the service must serve, in requests per second. */
  readonly peakRequestsPerSecond: number;
  /**
   * Headroom above the peak before requests are refused.
   * @default Percentage.of(20)
   */
  readonly headroom?: Percentage;
}

/** The default headroom above peak (seed 000's 20% buffer). */
export const DEFAULT_HEADROOM = 20;

/** The limit a capacity implies: peak plus headroom, rounded up to a whole request per second. */
export function limitOf(capacity: TrafficCapacity): number {
  const headroom = capacity.headroom?.value ?? DEFAULT_HEADROOM;
  // Round away float noise (1000 * 1.2 = 1200.0000000000002) before rounding up.
  const exact = Math.round(capacity.peakRequestsPerSecond * (100 + headroom) * 1e4) / 1e6;
  return Math.ceil(exact);
}
