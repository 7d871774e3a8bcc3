import { Construct } from 'constructs';
import { Codes } from '../../core/codes';
import { formatProblem } from '../../core/errors';
import { LocalityLbSetting } from '../../core/locality-lb';
import { Weight } from '../../core/weight';
import { MeshService } from '../../graph/mesh-service';

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
  readonly service: MeshService;
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
}

const REGION = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LOCALITY = /^(\*|[A-Za-z0-9][-A-Za-z0-9_.]*)(\/(\*|[A-Za-z0-9][-A-Za-z0-9_.]*)){0,2}$/;

/**
 * Locality-aware load balancing of a service (seed 002): requests stay in the caller's
 * locality while it is healthy and fail over region by region, or are distributed by
 * weight. Istio only knows a locality is unhealthy through outlier detection, so the
 * service must have it (from its tier or its own props).
 *
 * @see https://istio.io/latest/docs/tasks/traffic-management/locality-load-balancing/
 */
export class LocalityLoadBalancing extends Construct {
  /** The service whose DestinationRule gets the settings. */
  public readonly service: MeshService;
  /** Region failover pairs, in order, if given. */
  public readonly failover?: readonly LocalityFailover[];
  /** Weighted distribution per origin locality, if given. */
  public readonly distribute?: readonly LocalityDistribute[];

  public constructor(scope: Construct, id: string, props: LocalityLoadBalancingProps) {
    super(scope, id);
    this.service = props.service;
    this.failover = props.failover?.map((f) => ({ from: f.from, to: f.to }));
    this.distribute = props.distribute?.map((d) => ({ from: d.from, to: { ...d.to } }));
    this.service.traffic.setLocality(this, this.setting());
    this.node.addValidation({ validate: () => this.problems() });
  }

  /**
   * The DestinationRule's setting: the failover pairs, else the shares (sorted by
   * locality, so output never reorders), else Istio's nearest-first order. Both given
   * fails synth (MESH506, in problems()).
   */
  private setting(): LocalityLbSetting {
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
    const froms = new Set<string>();
    (failover ?? []).forEach((f, i) => {
      for (const side of ['from', 'to'] as const) {
        if (!REGION.test(f[side])) out.push(formatProblem(Codes.LOCALITY_INVALID, `failover[${i}].${side}: '${f[side]}' is not a region name`));
      }
      if (froms.has(f.from)) out.push(formatProblem(Codes.LOCALITY_INVALID, `failover[${i}].from: '${f.from}' fails over twice`));
      froms.add(f.from);
    });
    (distribute ?? []).forEach((d, i) => {
      if (!LOCALITY.test(d.from)) out.push(formatProblem(Codes.LOCALITY_INVALID, `distribute[${i}].from: '${d.from}' is not a locality (region/zone/subzone)`));
      const entries = Object.entries(d.to);
      for (const [loc] of entries) {
        if (!LOCALITY.test(loc)) out.push(formatProblem(Codes.LOCALITY_INVALID, `distribute[${i}].to: '${loc}' is not a locality (region/zone/subzone)`));
      }
    });
    return out;
  }
}
