import { Duration } from 'cdk8s';
import { Codes } from './codes';
import { toIstioDuration } from './duration';
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

  /** Sticky sessions: a consistent hash over a header, cookie, source IP or query parameter. */
  public static readonly consistentHash = {
    /** Hash on a request header such as `x-user`. */
    header: (name: string): LoadBalancer => new ConsistentHashLb({ httpHeaderName: checkToken('header', name) }),
    /** Hash on a cookie that Envoy creates with this time to live when it is missing. */
    cookie: (name: string, ttl: Duration, path?: string): LoadBalancer =>
      new ConsistentHashLb({ httpCookie: { name: checkToken('cookie', name), ttl, path } }),
    /** Hash on the source IP address. */
    sourceIp: (): LoadBalancer => new ConsistentHashLb({ useSourceIp: true }),
    /** Hash on a query parameter. */
    queryParameter: (name: string): LoadBalancer =>
      new ConsistentHashLb({ httpQueryParameterName: checkToken('query parameter', name) }),
  };

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

class ConsistentHashLb extends LoadBalancer {
  public readonly simple = undefined;

  public constructor(public readonly consistentHashKey: ConsistentHashKey) {
    super();
  }

  public _toIstio(): IstioLoadBalancer {
    const k = this.consistentHashKey;
    return {
      consistentHash: {
        httpHeaderName: k.httpHeaderName,
        httpCookie: k.httpCookie ? { name: k.httpCookie.name, path: k.httpCookie.path, ttl: toIstioDuration(k.httpCookie.ttl) } : undefined,
        useSourceIp: k.useSourceIp,
        httpQueryParameterName: k.httpQueryParameterName,
      },
    };
  }

  public toString(): string {
    const k = this.consistentHashKey;
    if (k.httpHeaderName) return `consistentHash(header ${k.httpHeaderName})`;
    if (k.httpCookie) return `consistentHash(cookie ${k.httpCookie.name})`;
    if (k.useSourceIp) return 'consistentHash(sourceIp)';
    return `consistentHash(query ${k.httpQueryParameterName})`;
  }
}

function checkToken(what: string, name: string): string {
  if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) {
    throw new MeshError(Codes.INVALID_MATCH, `consistent hash ${what} name '${name}' is not a valid HTTP token`);
  }
  return what === 'header' ? name.toLowerCase() : name;
}
