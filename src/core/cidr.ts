import { Codes } from './codes';
import { MeshError } from './errors';

/**
 * An IP address range in CIDR notation, as a NetworkPolicy `ipBlock.cidr` takes it
 * (`10.0.0.1/32`, `fd00::/64`). Catch-all ranges (`0.0.0.0/0`, `::/0`) are refused: a
 * rule that needs every address is not a rule about one peer.
 *
 * @see https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/#IPBlock
 */
export class Cidr {
  /** The range `text`; throws a {@link MeshError} (MESH663) if it is malformed or matches every address. */
  public static of(text: string): Cidr {
    const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
    const v4 = m && /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(m[1]);
    const ok = m && (v4
      ? v4.slice(1).every((o) => Number(o) <= 255 && String(Number(o)) === o) && Number(m[2]) <= 32
      : /^[0-9a-fA-F:]+$/.test(m[1]) && m[1].includes(':') && Number(m[2]) <= 128);
    if (!ok) throw new MeshError(Codes.JOB_API_SERVER_EGRESS, `'${text}' is not a CIDR (10.0.0.1/32, fd00::/64)`);
    if (Number(m![2]) === 0) {
      throw new MeshError(Codes.JOB_API_SERVER_EGRESS, `'${text}' matches every address; name the API server's endpoints (kubectl get endpoints kubernetes)`);
    }
    return new Cidr(text);
  }

  private constructor(
    /** The range as written. */
    public readonly value: string,
  ) {}

  /** The range as written. */
  public toString(): string {
    return this.value;
  }
}
