/**
 * `localityLbSetting` as Istio reads it: enabled, with failover pairs or a weighted
 * distribution, or neither.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#LocalityLoadBalancerSetting
 */
export interface IstioLocalityLbSetting {
  /** Always true: the setting exists to turn locality-aware load balancing on. */
  readonly enabled: boolean;
  /** Region failover pairs, in order. */
  readonly failover?: { readonly from: string; readonly to: string }[];
  /** Traffic shares per origin locality. */
  readonly distribute?: { readonly from: string; readonly to: Record<string, number> }[];
  /** Labels whose match with the caller's orders the endpoints (`topology.kubernetes.io/region`). */
  readonly failoverPriority?: string[];
}

/** The region label Istio sets on every proxy and endpoint from its locality. */
export const REGION_LABEL = 'topology.kubernetes.io/region';

/** One failover pair: a region's traffic goes to `to` when its endpoints are unhealthy. */
export interface LocalityFailoverPair {
  /** The originating region. */
  readonly from: string;
  /** The region failed over to. */
  readonly to: string;
}

/** One origin locality's traffic shares, in whole percent per destination locality. */
export interface LocalityShares {
  /** The originating locality (`region/zone/subzone`, `*` allowed as the last part). */
  readonly from: string;
  /** Shares per destination locality. */
  readonly to: Readonly<Record<string, number>>;
}

/**
 * Locality-aware load balancing of a host (DestinationRule
 * `trafficPolicy.loadBalancer.localityLbSetting`): the caller's locality first, then
 * failover by proximity, by explicit region pairs, or a weighted distribution. Istio
 * takes failover or distribute, not both ("only one of distribute, failover or
 * failoverPriority can be set", LocalityLoadBalancerSetting), so each is its own
 * shape, rendering itself. Its contributor checks it (LocalityLoadBalancing).
 *
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#LocalityLoadBalancerSetting
 * @see https://istio.io/latest/docs/tasks/traffic-management/locality-load-balancing/
 */
export abstract class LocalityLbSetting {
  /** Enabled with Istio's own order: the caller's zone, then region, then any other. */
  public static nearest(): LocalityLbSetting {
    return new NearestLocality();
  }

  /** Region failover pairs, tried in order. */
  public static failover(pairs: readonly LocalityFailoverPair[]): LocalityLbSetting {
    return new FailoverLocality(pairs.map((p) => ({ from: p.from, to: p.to })));
  }

  /** Traffic shares per origin locality. */
  public static distribute(shares: readonly LocalityShares[]): LocalityLbSetting {
    return new DistributeLocality(shares.map((s) => ({ from: s.from, to: { ...s.to } })));
  }

  /**
   * The caller's region first, every zone of it alike, then the other regions: `failoverPriority`
   * on the region label alone, which orders endpoints by that label's match with the caller's
   * and no further (no zone preference). Istio adds the region label to every proxy and
   * endpoint from its locality.
   * @see https://github.com/istio/istio/blob/1.24.6/pilot/pkg/networking/core/loadbalancer/loadbalancer.go (ApplyLocalityLoadBalancer, applyFailoverPriorities)
   * @see https://github.com/istio/istio/blob/1.24.6/pilot/pkg/serviceregistry/util/label/label.go (AugmentLabels)
   */
  public static regionFirst(): LocalityLbSetting {
    return new RegionFirstLocality();
  }

  protected constructor() {}

  /** @internal The setting as Istio's `localityLbSetting`. */
  public abstract _toIstio(): IstioLocalityLbSetting;
}

class NearestLocality extends LocalityLbSetting {
  public constructor() {
    super();
  }

  public _toIstio(): IstioLocalityLbSetting {
    return { enabled: true };
  }
}

class RegionFirstLocality extends LocalityLbSetting {
  public constructor() {
    super();
  }

  public _toIstio(): IstioLocalityLbSetting {
    return { enabled: true, failoverPriority: [REGION_LABEL] };
  }
}

class FailoverLocality extends LocalityLbSetting {
  public constructor(private readonly pairs: readonly LocalityFailoverPair[]) {
    super();
  }

  public _toIstio(): IstioLocalityLbSetting {
    return { enabled: true, failover: this.pairs.map((f) => ({ from: f.from, to: f.to })) };
  }
}

class DistributeLocality extends LocalityLbSetting {
  public constructor(private readonly shares: readonly LocalityShares[]) {
    super();
  }

  public _toIstio(): IstioLocalityLbSetting {
    return { enabled: true, distribute: this.shares.map((d) => ({ from: d.from, to: { ...d.to } })) };
  }
}
