import { Duration } from 'cdk8s';
import { Codes } from './codes';
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
 * A load-balancing policy for a DestinationRule.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#LoadBalancerSettings
 */
export class LoadBalancer {
  /** Round robin. */
  public static roundRobin(): LoadBalancer {
    return new LoadBalancer('ROUND_ROBIN');
  }

  /** The endpoint with fewer active requests, of two chosen at random. */
  public static leastRequest(): LoadBalancer {
    return new LoadBalancer('LEAST_REQUEST');
  }

  /** A random healthy endpoint. */
  public static random(): LoadBalancer {
    return new LoadBalancer('RANDOM');
  }

  /** Sticky sessions: a consistent hash over a header, cookie, source IP or query parameter. */
  public static readonly consistentHash = {
    /** Hash on a request header such as `x-user`. */
    header: (name: string): LoadBalancer => new LoadBalancer(undefined, { httpHeaderName: checkToken('header', name) }),
    /** Hash on a cookie that Envoy creates with this time to live when it is missing. */
    cookie: (name: string, ttl: Duration, path?: string): LoadBalancer =>
      new LoadBalancer(undefined, { httpCookie: { name: checkToken('cookie', name), ttl, path } }),
    /** Hash on the source IP address. */
    sourceIp: (): LoadBalancer => new LoadBalancer(undefined, { useSourceIp: true }),
    /** Hash on a query parameter. */
    queryParameter: (name: string): LoadBalancer =>
      new LoadBalancer(undefined, { httpQueryParameterName: checkToken('query parameter', name) }),
  };

  private constructor(
    /** The simple algorithm, when this is not a consistent hash. */
    public readonly simple?: SimpleLoadBalancer,
    /** The hash key, when this is a consistent hash. */
    public readonly consistentHashKey?: ConsistentHashKey,
  ) {}

  /** `ROUND_ROBIN`, or `consistentHash(header x-user)`. */
  public toString(): string {
    if (this.simple) return this.simple;
    const k = this.consistentHashKey!;
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
