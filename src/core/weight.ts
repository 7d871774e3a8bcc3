import { Codes } from './codes';
import { MeshError } from './errors';

/**
 * The share of a route's traffic sent to one destination: a whole percentage, 0 to 100.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRouteDestination
 */
export class Weight {
  /** A weight of `value` percent; throws unless it is a whole number from 0 to 100. */
  public static percent(value: number): Weight {
    if (!Number.isInteger(value) || value < 0 || value > 100) {
      throw new MeshError(Codes.OUT_OF_RANGE, `weight must be a whole percentage from 0 to 100, got ${value}`);
    }
    return new Weight(value);
  }

  /** All of the traffic. */
  public static all(): Weight {
    return new Weight(100);
  }

  private constructor(
    /** The percentage, 0 to 100. */
    public readonly value: number,
  ) {}

  /** `5%` */
  public toString(): string {
    return `${this.value}%`;
  }
}

/**
 * A percentage of requests, 0 to 100, with fractions allowed (`0.1` is one request in a thousand),
 * as Istio's `Percent` takes for mirroring and fault injection.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#Percent
 */
export class Percentage {
  /** `value` percent; throws unless it is a finite number from 0 to 100. */
  public static of(value: number): Percentage {
    if (!Number.isFinite(value) || value < 0 || value > 100) {
      throw new MeshError(Codes.OUT_OF_RANGE, `percentage must be from 0 to 100, got ${value}`);
    }
    return new Percentage(value);
  }

  private constructor(
    /** The percentage, 0 to 100. */
    public readonly value: number,
  ) {}

  /** `10%` */
  public toString(): string {
    return `${this.value}%`;
  }
}
