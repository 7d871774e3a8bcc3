/**
 * IP addresses and CIDR ranges, as a NetworkPolicy `ipBlock` and a ServiceEntry's `addresses`
 * name them (RFC 4291 text forms for IPv6, `::` and a trailing IPv4 part included).
 * https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/#IPBlock
 */

/** True if `text` is an IPv4 or IPv6 address (`netutil.IsValidIPAddress`, istio/istio pkg/util/net). */
export function isIpAddress(text: string): boolean {
  return ipv4(text) !== undefined || (text.includes(':') && ipv6(text) !== undefined);
}

/** True if IPv4 or IPv6 address `ip` is in `cidr` (an address without `/` is a single address). */
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

/** An IPv6 address as a 128-bit number. */
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
