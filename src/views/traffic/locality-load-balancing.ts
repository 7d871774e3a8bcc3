import type { ITieredService } from '../../graph/mesh-service-props';
import { Construct } from 'constructs';
import { Codes } from '../../core/codes';
import { formatProblem } from '../../core/errors';
import { LocalityLbSetting } from '../../core/locality-lb';
import { Weight } from '../../core/weight';
import { addProblems } from '../../private/construct-problems';

/** Where a region's traffic goes when its endpoints are unhealthy. */
export interface LocalityFailover {
  /** The originating region (`us-east`). */
  readonly from: string;
  /** The region to fail over to (`us-west`); must differ from `from`. */
  readonly to: string;
}

/** How traffic from one locality is shared among localities. */
export interface LocalityDistribute {
  /** The originating locality, `region/zone/subzone`, `*` allowed as the last part (`us-west/zone1/*`). */
  readonly from: string;
  /** Shares per destination locality, summing to 100. */
  readonly to: Record<string, Weight>;
}

/** Props for {@link LocalityLoadBalancing}. */
export interface LocalityLoadBalancingProps {
  /** The service whose DestinationRule gets the settings; it must have outlier detection. */
  readonly service: ITieredService;
  /**
   * Region failover, in order (seed 002: us-east to us-west, us-west to eu-west).
   * @default - none; Istio then prefers the caller's locality and fails over by proximity
   */
  readonly failover?: LocalityFailover[];
  /**
   * Weighted distribution per origin locality, instead of failover.
   * @default - none
   */
  readonly distribute?: LocalityDistribute[];
  /**
   * Whether callers prefer the pods of their own zone (Istio's default order: zone, region,
   * failover region). Then each zone's callers send everything to that zone's pods: with one
   * pod a zone (3 pods over 3 zones), each is a hotspot for its zone's callers, and zones with
   * more callers overload theirs. Without it, the caller's region comes first, every zone of it
   * alike, then the other region (`failoverPriority` on the region label), which keeps a
   * two-region failover and spreads the load over every pod of the region.
   * @default false
   * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#LocalityLoadBalancerSetting
   */
  readonly sameZoneFirst?: boolean;
}

const REGION = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LOCALITY = /^(\*|[A-Za-z0-9][-A-Za-z0-9_.]*)(\/(\*|[A-Za-z0-9][-A-Za-z0-9_.]*)){0,2}$/;

/**
 * Locality-aware load balancing of a service (seed 002): requests stay in the caller's
 * region while it is healthy and fail over to the other region, or are distributed by
 * weight. Istio only knows a locality is unhealthy through outlier detection, so the
 * service must have it (from its tier or its own props).
 *
 * The caller's region comes first, all its zones alike (`failoverPriority` on the region
 * label): Istio's default zone-first order sends each zone's callers to that zone's pods
 * alone, a hotspot whenever a zone has few pods or many callers. That order expresses a
 * failover between two regions (each to the other); a failover order among more regions
 * needs Istio's zone-first order, `sameZoneFirst: true`, and enough pods in every zone
 * (MESH512 otherwise).
 *
 * @see https://istio.io/latest/docs/tasks/traffic-management/locality-load-balancing/
 */
export class LocalityLoadBalancing extends Construct {
  /** The service whose DestinationRule gets the settings. */
  public readonly service: ITieredService;
  /** Region failover pairs, in order, if given. */
  public readonly failover?: readonly LocalityFailover[];
  /** Weighted distribution per origin locality, if given. */
  public readonly distribute?: readonly LocalityDistribute[];
  /** Whether callers prefer their own zone's pods. */
  public readonly sameZoneFirst: boolean;

  public constructor(scope: Construct, id: string, props: LocalityLoadBalancingProps) {
    super(scope, id);
    this.service = props.service;
    this.failover = props.failover?.map((f) => ({ from: f.from, to: f.to }));
    this.distribute = props.distribute?.map((d) => ({ from: d.from, to: { ...d.to } }));
    this.sameZoneFirst = props.sameZoneFirst ?? false;
    this.service.traffic.setLocality(this, this.setting());
    addProblems(this, () => this.problems());
  }

  /**
   * The DestinationRule's setting: the shares (sorted by locality, so output never reorders);
   * else the caller's region first, every zone alike (a failover between two regions is the
   * same order); else, zone first, the failover pairs or Istio's nearest-first order. Both
   * given fails synth (MESH506, in problems()).
   */
  private setting(): LocalityLbSetting {
    if (!this.sameZoneFirst && !this.distribute) return LocalityLbSetting.regionFirst();
    if (this.failover) return LocalityLbSetting.failover(this.failover);
    if (this.distribute) {
      return LocalityLbSetting.distribute(this.distribute.map((d) => ({
        from: d.from,
        to: Object.fromEntries(Object.entries(d.to).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, w]) => [k, w.value])),
      })));
    }
    return LocalityLbSetting.nearest();
  }

  /**
   * What only this construct knows: outlier detection on its service, both settings given
   * (the DestinationRule carries one of them), an empty failover, the library's region and
   * locality name formats and a region failing over twice. istiod's own rules (shares summing
   * to 100, a region failing over to itself, overlapping localities) are checked once, over
   * the rendered DestinationRule (src/validate/webhook/locality.ts), at synth and by the CLI.
   */
  private problems(): string[] {
    const out: string[] = [];
    const { failover, distribute, service } = this;
    if (!service.policy.outlierDetection) {
      out.push(formatProblem(Codes.LOCALITY_NEEDS_OUTLIER_DETECTION,
        `service ${service.node.path} has no outlierDetection; locality failover needs it to notice an unhealthy locality`));
    }
    if (failover && distribute) {
      out.push(formatProblem(Codes.LOCALITY_INVALID, 'failover and distribute are both set; Istio takes one of them'));
    }
    if (failover?.length === 0) out.push(formatProblem(Codes.LOCALITY_INVALID, 'failover: give at least one pair, or leave it out'));
    const regions = new Set((failover ?? []).flatMap((f) => [f.from, f.to]));
    if (!this.sameZoneFirst && !distribute && regions.size > 2) {
      out.push(formatProblem(Codes.LOCALITY_ORDER_NEEDS_ZONE_FIRST,
        `failover: an order among ${regions.size} regions (${[...regions].sort().join(', ')}) needs Istio's zone-first order: set sameZoneFirst `
        + 'and run at least two pods in every zone, or fail over between two regions'));
    }
    const froms = new Set<string>();
    (failover ?? []).forEach((f, i) => {
      for (const side of ['from', 'to'] as const) {
        if (!REGION.test(f[side])) out.push(formatProblem(Codes.LOCALITY_INVALID, `failover[${i}].${side}: '${f[side]}' is not a region name`));
      }
      if (froms.has(f.from)) out.push(formatProblem(Codes.LOCALITY_INVALID, `failover[${i}].from: '${f.from}' fails over twice`));
      // Rendered zone-first, the DestinationRule's own check reports it (MESH502); region-first renders no pairs.
      if (!this.sameZoneFirst && f.from === f.to)
        out.push(formatProblem(Codes.LOCALITY_SELF_FAILOVER, `failover[${i}]: failover from '${f.from}' to itself`));
      froms.add(f.from);
    });
    (distribute ?? []).forEach((d, i) => {
      if (!LOCALITY.test(d.from))
        out.push(formatProblem(Codes.LOCALITY_INVALID, `distribute[${i}].from: '${d.from}' is not a locality (region/zone/subzone)`));
      const entries = Object.entries(d.to);
      for (const [loc] of entries) {
        if (!LOCALITY.test(loc))
          out.push(formatProblem(Codes.LOCALITY_INVALID, `distribute[${i}].to: '${loc}' is not a locality (region/zone/subzone)`));
      }
    });
    return out;
  }
}
