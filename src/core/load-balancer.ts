import { Duration } from 'cdk8s';
import { Codes } from './codes';
import { istioDurationProblem, toIstioDuration } from './duration';
import { MeshError } from './errors';

/** A simple load-balancing algorithm. */
export type SimpleLoadBalancer = 'ROUND_ROBIN' | 'LEAST_REQUEST' | 'RANDOM' | 'PASSTHROUGH';

/** What a consistent hash is computed over. */
export interface ConsistentHashKey {
  /** Hash on this request header. */
  readonly httpHeaderName?: string;
  /** Hash on this cookie; Envoy sets it with `ttl` when it is missing. */
  readonly httpCookie?: { readonly name: string; readonly path?: string; readonly ttl: Duration };
  /** Hash on the source IP address. */
  readonly useSourceIp?: boolean;
  /** Hash on this query parameter. */
  readonly httpQueryParameterName?: string;
}

/**
 * A DestinationRule's `loadBalancer` as Istio reads it, without the locality settings
 * (rendering adds those).
 *
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#LoadBalancerSettings
 */
export type IstioLoadBalancer =
  | { readonly simple: SimpleLoadBalancer }
  | { readonly consistentHash: IstioConsistentHash };

/** `loadBalancer.consistentHash` as Istio reads it: exactly one hash key. */
export interface IstioConsistentHash {
  readonly httpHeaderName?: string;
  readonly httpCookie?: { readonly name: string; readonly path?: string; readonly ttl: string };
  readonly useSourceIp?: boolean;
  readonly httpQueryParameterName?: string;
}

/**
 * A load-balancing policy for a DestinationRule: a simple algorithm or a consistent
 * hash. Each shape is a private subclass that renders itself.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#LoadBalancerSettings
 */
export abstract class LoadBalancer {
  /** Round robin. */
  public static roundRobin(): LoadBalancer {
    return new SimpleLb('ROUND_ROBIN');
  }

  /** The endpoint with fewer active requests, of two chosen at random. */
  public static leastRequest(): LoadBalancer {
    return new SimpleLb('LEAST_REQUEST');
  }

  /** A random healthy endpoint. */
  public static random(): LoadBalancer {
    return new SimpleLb('RANDOM');
  }

  /**
   * Sticky sessions: a consistent hash over a header, cookie, source IP or query
   * parameter, as `LoadBalancer.consistentHash.header('x-user')`. The factories are
   * {@link ConsistentHash}'s.
   */
  public static get consistentHash(): typeof ConsistentHash {
    return ConsistentHash;
  }

  /** The simple algorithm, when this is not a consistent hash. */
  public abstract readonly simple?: SimpleLoadBalancer;
  /** The hash key, when this is a consistent hash. */
  public abstract readonly consistentHashKey?: ConsistentHashKey;

  /** @internal The policy as Istio's `loadBalancer` (rendering adds the locality settings). */
  public abstract _toIstio(): IstioLoadBalancer;

  /** `ROUND_ROBIN`, or `consistentHash(header x-user)`. */
  public abstract toString(): string;
}

class SimpleLb extends LoadBalancer {
  public readonly consistentHashKey = undefined;

  public constructor(public readonly simple: SimpleLoadBalancer) {
    super();
  }

  public _toIstio(): IstioLoadBalancer {
    return { simple: this.simple };
  }

  public toString(): string {
    return this.simple;
  }
}

/**
 * A consistent hash (sticky sessions) over one key of the request. Each key is a
 * private subclass that renders itself.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#LoadBalancerSettings-ConsistentHashLB
 */
export abstract class ConsistentHash extends LoadBalancer {
  /** Hash on a request header such as `x-user`; throws unless the name is an HTTP token. */
  public static header(name: string): ConsistentHash {
    return new KeyedHash({ httpHeaderName: checkToken('header', name) }, `header ${name.toLowerCase()}`);
  }

  /**
   * Hash on a cookie that Envoy creates with this time to live when it is missing; throws unless the name is an HTTP token and
   * the ttl an Istio duration (whole milliseconds, at least 1ms) [MESH010].
   */
  public static cookie(name: string, ttl: Duration, path?: string): ConsistentHash {
    const problem = istioDurationProblem(ttl);
    if (problem) throw new MeshError(Codes.INVALID_DURATION, `cookie ${name}: ttl: ${problem}`);
    return new CookieHash(checkToken('cookie', name), ttl, path);
  }

  /** Hash on the source IP address. */
  public static sourceIp(): ConsistentHash {
    return new KeyedHash({ useSourceIp: true }, 'sourceIp');
  }

  /** Hash on a query parameter; throws unless the name is an HTTP token. */
  public static queryParameter(name: string): ConsistentHash {
    return new KeyedHash({ httpQueryParameterName: checkToken('query parameter', name) }, `query ${name}`);
  }

  /** A consistent hash is not a simple algorithm. */
  public readonly simple = undefined;

  protected constructor(
    /** The hash key. */
    public readonly consistentHashKey: ConsistentHashKey,
    private readonly description: string,
  ) {
    super();
  }

  /** `consistentHash(header x-user)` */
  public toString(): string {
    return `consistentHash(${this.description})`;
  }
}

/** A hash over a header, the source IP or a query parameter: the key is written as given. */
class KeyedHash extends ConsistentHash {
  public constructor(private readonly key: Omit<ConsistentHashKey, 'httpCookie'>, description: string) {
    super(key, description);
  }

  public _toIstio(): IstioLoadBalancer {
    return { consistentHash: { ...this.key } };
  }
}

/** A hash over a cookie, whose time to live Istio takes as a duration string. */
class CookieHash extends ConsistentHash {
  public constructor(private readonly name: string, private readonly ttl: Duration, private readonly path: string | undefined) {
    super({ httpCookie: { name, ttl, path } }, `cookie ${name}`);
  }

  public _toIstio(): IstioLoadBalancer {
    return { consistentHash: { httpCookie: { name: this.name, path: this.path, ttl: toIstioDuration(this.ttl) } } };
  }
}

function checkToken(what: string, name: string): string {
  if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) {
    throw new MeshError(Codes.INVALID_MATCH, `consistent hash ${what} name '${name}' is not a valid HTTP token`);
  }
  return what === 'header' ? name.toLowerCase() : name;
}
