import { Duration } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { Retries } from '../core/retries';
import { mergeTierSettings, streamingContradiction, Tier, TierSettings } from '../core/tier';
import { Codes } from '../core/codes';
import { MeshError } from '../core/errors';

/** Props for {@link TierDefaults}. */
export interface TierDefaultsProps {
  /**
   * Settings per tier name, merged field by field over the built-in tiers; a name
   * that is not built in defines a custom tier.
   * @default - the built-in system, business and service tiers, unchanged
   */
  readonly tiers?: Record<string, TierSettings>;
}

/**
 * The built-in tiers, with the values of the production design's tables (seed 003):
 * timeout and retries from "Tier 別デフォルト値", outlier detection from the circuit
 * breaker table, connection pools from its DestinationRule examples.
 */
export const BUILT_IN_TIERS: Readonly<Record<string, TierSettings>> = {
  system: {
    timeout: Duration.seconds(5),
    retries: Retries.of({ attempts: 3, perTryTimeout: Duration.seconds(2), retryOn: ['5xx', 'reset', 'connect-failure'] }),
    outlierDetection: { consecutive5xxErrors: 3, interval: Duration.seconds(10), baseEjectionTime: Duration.seconds(30), maxEjectionPercent: 30 },
    connectionPool: {
      tcp: { maxConnections: 200 },
      http: { http1MaxPendingRequests: 200, http2MaxRequests: 2000, maxRequestsPerConnection: 20 },
    },
  },
  business: {
    timeout: Duration.seconds(10),
    retries: Retries.of({ attempts: 3, perTryTimeout: Duration.seconds(3), retryOn: ['5xx', 'reset', 'connect-failure'] }),
    outlierDetection: { consecutive5xxErrors: 5, interval: Duration.seconds(30), baseEjectionTime: Duration.seconds(30), maxEjectionPercent: 50 },
    // seed 003 gives no business-tier DestinationRule; the service tier's pool is the conservative choice.
    connectionPool: {
      tcp: { maxConnections: 100 },
      http: { http1MaxPendingRequests: 100, http2MaxRequests: 1000, maxRequestsPerConnection: 10 },
    },
  },
  service: {
    timeout: Duration.seconds(15),
    retries: Retries.of({ attempts: 2, perTryTimeout: Duration.seconds(5), retryOn: ['5xx', 'reset', 'connect-failure', 'retriable-4xx'] }),
    outlierDetection: { consecutive5xxErrors: 5, interval: Duration.seconds(30), baseEjectionTime: Duration.seconds(60), maxEjectionPercent: 50 },
    connectionPool: {
      tcp: { maxConnections: 100 },
      http: { http1MaxPendingRequests: 100, http2MaxRequests: 1000, maxRequestsPerConnection: 10 },
    },
  },
};

const TIER_DEFAULTS_ID = 'TierDefaults';
/** The TierDefaults placed directly in each scope, so lookups never scan children. */
const BY_SCOPE = new WeakMap<IConstruct, TierDefaults>();

/**
 * The resilience defaults of each tier for every service below it. Place one in a
 * chart (or in any scope) to change or add tiers; without one, services use
 * the built-in tiers (`BUILT_IN_TIERS`: seed 003's values). It writes no manifest of its own.
 *
 * @example
 * new TierDefaults(chart, 'TierDefaults', {
 *   tiers: { service: { timeout: Duration.seconds(20) }, batch: { timeout: Duration.minutes(2) } },
 * });
 */
export class TierDefaults extends Construct {
  /**
   * The TierDefaults that governs `scope`: the nearest one found walking up its
   * scopes, or else the built-in tiers. A lookup creates nothing: the built-in
   * TierDefaults is one shared instance, made when this module loads, on a root of
   * its own that is never part of an app.
   */
  public static of(scope: IConstruct): TierDefaults {
    for (let s: IConstruct | undefined = scope; s; s = s.node.scope) {
      const found = BY_SCOPE.get(s);
      if (found) return found;
    }
    return BUILT_IN;
  }

  /** Every tier's settings, built-in tiers merged with the props. */
  public readonly tiers: Readonly<Record<string, TierSettings>>;

  public constructor(scope: Construct, id: string, props: TierDefaultsProps = {}) {
    super(scope, id);
    const existing = BY_SCOPE.get(scope);
    if (existing) {
      throw new MeshError(Codes.DUPLICATE_TIER_DEFAULTS, `${scope.node.path} already has a TierDefaults (${existing.node.path}); use one per scope`);
    }
    BY_SCOPE.set(scope, this);
    const tiers: Record<string, TierSettings> = { ...BUILT_IN_TIERS };
    for (const [name, settings] of Object.entries(props.tiers ?? {})) {
      Tier.named(name); // checks the name
      const contradiction = streamingContradiction(settings);
      if (contradiction) throw new MeshError(Codes.STREAMING_WITH_TIMEOUT, `${this.node.path}: tiers.${name}.${contradiction}`);
      tiers[name] = mergeTierSettings(tiers[name], settings);
    }
    this.tiers = tiers;
  }

  /** The settings of `tier`, or undefined if it is neither built in nor defined here. */
  public settingsFor(tier: Tier): TierSettings | undefined {
    return Object.prototype.hasOwnProperty.call(this.tiers, tier.name) ? this.tiers[tier.name] : undefined;
  }
}

/** The built-in tiers, for scopes under no TierDefaults: made once, here, never by a lookup. */
const BUILT_IN = new TierDefaults(new Construct(undefined as unknown as Construct, ''), TIER_DEFAULTS_ID);
