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
  /** The range `text`; throws a {@link MeshError} (MESH067) if it is malformed or matches every address. */
  public static of(text: string): Cidr {
    const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
    const v4 = m && /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(m[1]);
    const ok = m && (v4
      ? v4.slice(1).every((o) => Number(o) <= 255 && String(Number(o)) === o) && Number(m[2]) <= 32
      : /^[0-9a-fA-F:]+$/.test(m[1]) && m[1].includes(':') && Number(m[2]) <= 128);
    if (!ok) throw new MeshError(Codes.INVALID_CIDR, `'${text}' is not a CIDR (10.0.0.1/32, fd00::/64)`);
    if (Number(m![2]) === 0) {
      throw new MeshError(
        Codes.INVALID_CIDR,
        `'${text}' matches every address; name the peer's own range (a load balancer's clients, a provider's addresses, the API server's `
          + 'endpoints from kubectl get endpoints kubernetes)',
      );
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

  /**
   * The documentation range this range lies in (`192.0.2.0/24`), if any: addresses reserved
   * for examples (RFC 5737: 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24; RFC 3849:
   * 2001:db8::/32), which no network routes, so a range there is a placeholder standing in
   * for a cluster's own addresses.
   * @see https://datatracker.ietf.org/doc/html/rfc5737
   * @see https://datatracker.ietf.org/doc/html/rfc3849
   */
  public get documentationRange(): string | undefined {
    return documentationRangeOf(this.value);
  }
}

/** The IPv4 documentation ranges of RFC 5737, as their first three octets. */
const DOCUMENTATION_V4 = ['192.0.2', '198.51.100', '203.0.113'];

/** The documentation range (RFC 5737, RFC 3849) that the CIDR or address `text` lies in, if any. */
export function documentationRangeOf(text: string): string | undefined {
  const [address, bitsText] = text.split('/');
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (v4) {
    const bits = bitsText === undefined ? 32 : Number(bitsText);
    const prefix = v4.slice(1, 4).map(Number).join('.');
    return bits >= 24 && DOCUMENTATION_V4.includes(prefix) ? `${prefix}.0/24` : undefined;
  }
  if (!address.includes(':')) return undefined;
  const bits = bitsText === undefined ? 128 : Number(bitsText);
  // The first two groups of the address (`::` cannot stand before them when the first is 2001).
  const groups = address.toLowerCase().split(':');
  const first = parseInt(groups[0] || '0', 16);
  const second = parseInt(groups[1] || '0', 16);
  return bits >= 32 && first === 0x2001 && second === 0x0db8 && groups.length > 2 ? '2001:db8::/32' : undefined;
}

/** True if `text` is an IPv4 or IPv6 address (`netutil.IsValidIPAddress`, istio/istio pkg/util/net). */
export function isIpAddress(text: string): boolean {
  return ipv4(text) !== undefined || (text.includes(':') && ipv6(text) !== undefined);
}

/**
 * The prefix length of `text` if it is an IPv4 or IPv6 CIDR (`<address>/<bits>`, the bits within the family's width), as the API
 * server parses a NetworkPolicy's `ipBlock.cidr` and `except` (kubernetes pkg/apis/networking/validation/validation.go,
 * ValidateIPBlock: `IsValidCIDRForLegacyField`, `netutils.ParseCIDRSloppy`, which takes an octet's leading zeros); else undefined.
 */
export function cidrPrefixLength(text: string): number | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const bits = Number(m[2]);
  if (ipv4(m[1]) !== undefined) return bits <= 32 ? bits : undefined;
  return m[1].includes(':') && ipv6(m[1]) !== undefined && bits <= 128 ? bits : undefined;
}

/** True if IPv4 or IPv6 address `ip` is in `cidr` (a bare address is its own /32 or /128); false for text that is neither. */
export function inCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText ?? (base.includes(':') ? 128 : 32));
  if (base.includes(':') || ip.includes(':')) {
    const a6 = ipv6(ip);
    const b6 = ipv6(base);
    if (!base.includes(':') || a6 === undefined || b6 === undefined || !(Number.isInteger(bits) && bits >= 0 && bits <= 128)) return false;
    const shift = BigInt(128 - bits);
    return (a6 >> shift) === (b6 >> shift);
  }
  const a = ipv4(ip);
  const b = ipv4(base);
  if (a === undefined || b === undefined || !(bits >= 0 && bits <= 32)) return false;
  if (bits === 0) return true;
  const mask = bits === 32 ? 0xffffffff : (~((1 << (32 - bits)) - 1)) >>> 0;
  return ((a & mask) >>> 0) === ((b & mask) >>> 0);
}

/** An IPv6 address (RFC 4291 text forms, `::` and a trailing IPv4 part included) as a 128-bit number. */
function ipv6(text: string): bigint | undefined {
  let t = text;
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(t);
  if (v4) {
    const n = ipv4(v4[2]);
    if (n === undefined) return undefined;
    t = `${v4[1]}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const halves = t.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let n = BigInt(0);
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    n = (n << BigInt(16)) | BigInt(parseInt(g, 16));
  }
  return n;
}

/** A dotted IPv4 address as a 32-bit number. */
function ipv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    const v = Number(p);
    if (!/^\d{1,3}$/.test(p) || v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}
