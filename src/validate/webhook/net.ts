/**
 * Addresses and ports as istiod's webhook reads them: ports of Go's net/netip (ParseAddr,
 * ParsePrefix), net.SplitHostPort and strconv.Atoi, which istio/istio
 * pkg/config/validation/agent/validation.go (ValidateIPAddress, ValidateIPSubnet, ValidatePort),
 * pkg/config/security/security.go (ValidateIPs, ValidatePorts) and pkg/util/net/ip.go
 * (IsValidIPAddress) call. Go's rules are stricter than most: no leading zero in an IPv4 octet
 * (`01.2.3.4`), no zone in a prefix, no leading zero or sign in a prefix length.
 * @see https://pkg.go.dev/net/netip#ParseAddr
 * @see https://pkg.go.dev/net/netip#ParsePrefix
 */

/** A parsed address: its family and whether it carries an IPv6 zone. */
export interface GoAddr {
  readonly is6: boolean;
  readonly zone: string;
}

/** An address or why Go's netip.ParseAddr refuses it. */
export type AddrResult = { readonly addr: GoAddr; readonly error?: undefined } | { readonly addr?: undefined; readonly error: string };

/** netip.parseIPv4: four decimal octets, each 0-255 without a leading zero. */
function parseIPv4(s: string): string | undefined {
  let val = 0;
  let pos = 0;
  let digits = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c >= '0' && c <= '9') {
      if (digits === 1 && val === 0) return 'IPv4 field has octet with leading zero';
      val = val * 10 + (c.charCodeAt(0) - 48);
      digits++;
      if (val > 255) return 'IPv4 field has value >255';
    } else if (c === '.') {
      if (i === 0 || i === s.length - 1 || s[i - 1] === '.') return 'IPv4 field must have at least one digit';
      if (pos === 3) return 'IPv4 address too long';
      pos++;
      val = 0;
      digits = 0;
    } else {
      return 'unexpected character';
    }
  }
  return pos < 3 ? 'IPv4 address too short' : undefined;
}

/** netip.parseIPv6: eight hex fields, one `::`, an optional IPv4 tail and `%zone`. */
function parseIPv6(input: string): string | undefined {
  let s = input;
  const percent = s.indexOf('%');
  if (percent >= 0) {
    if (s.slice(percent + 1) === '') return 'zone must be a non-empty string';
    s = s.slice(0, percent);
  }
  let ellipsis = -1;
  if (s.startsWith('::')) {
    ellipsis = 0;
    s = s.slice(2);
    if (s === '') return undefined;
  }
  let i = 0;
  while (i < 16) {
    let off = 0;
    let acc = 0;
    for (; off < s.length && /[0-9a-fA-F]/.test(s[off]); off++) {
      acc = acc * 16 + parseInt(s[off], 16);
      if (acc > 0xffff) return 'IPv6 field has value >=2^16';
    }
    if (off === 0) return 'each colon-separated field must have at least one digit';
    if (off < s.length && s[off] === '.') {
      if (ellipsis < 0 && i !== 12) return 'embedded IPv4 address must replace the final 2 fields of the address';
      if (i + 4 > 16) return 'too many hex fields to fit an embedded IPv4 at the end of the address';
      const v4 = parseIPv4(s);
      if (v4) return v4;
      s = '';
      i += 4;
      break;
    }
    i += 2;
    s = s.slice(off);
    if (s === '') break;
    if (s[0] !== ':') return 'unexpected character, want colon';
    if (s.length === 1) return 'colon must be followed by more characters';
    s = s.slice(1);
    if (s[0] === ':') {
      if (ellipsis >= 0) return 'multiple :: in address';
      ellipsis = i;
      s = s.slice(1);
      if (s === '') break;
    }
  }
  if (s !== '') return 'trailing garbage after address';
  if (i < 16 && ellipsis < 0) return 'address string too short';
  if (i === 16 && ellipsis >= 0) return 'the :: must expand to at least one field of zeros';
  return undefined;
}

/** Go's netip.ParseAddr. */
export function parseAddr(s: string): AddrResult {
  for (const c of s) {
    if (c === '.') {
      const error = parseIPv4(s);
      return error ? { error: `ParseAddr(${JSON.stringify(s)}): ${error}` } : { addr: { is6: false, zone: '' } };
    }
    if (c === ':') {
      const error = parseIPv6(s);
      const zone = s.includes('%') ? s.slice(s.indexOf('%') + 1) : '';
      return error ? { error: `ParseAddr(${JSON.stringify(s)}): ${error}` } : { addr: { is6: true, zone } };
    }
    if (c === '%') return { error: `ParseAddr(${JSON.stringify(s)}): missing IPv6 address` };
  }
  return { error: `ParseAddr(${JSON.stringify(s)}): unable to parse IP` };
}

/** Why Go's netip.ParsePrefix refuses `s` (`addr/bits`), or undefined. */
export function prefixProblem(s: string): string | undefined {
  const slash = s.lastIndexOf('/');
  if (slash < 0) return "no '/'";
  const parsed = parseAddr(s.slice(0, slash));
  if (parsed.error !== undefined) return parsed.error;
  if (parsed.addr.is6 && parsed.addr.zone !== '') return 'IPv6 zones cannot be present in a prefix';
  const bits = s.slice(slash + 1);
  // strconv.Atoi takes a sign and leading zeros; ParsePrefix does not.
  if (bits.length > 1 && !(bits[0] >= '1' && bits[0] <= '9')) return `bad bits after slash: ${JSON.stringify(bits)}`;
  const n = atoi(bits);
  if (n === undefined) return `bad bits after slash: ${JSON.stringify(bits)}`;
  if (n < 0 || n > (parsed.addr.is6 ? 128 : 32)) return 'prefix length out of range';
  return undefined;
}

/** Go's strconv.Atoi: an optional sign and decimal digits; undefined if it is not one. */
export function atoi(s: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** pkg/util/net, IsValidIPAddress: netip.ParseAddr accepts it. */
export function isValidIPAddress(s: string): boolean {
  return parseAddr(s).addr !== undefined;
}

/** agent.ValidateIPAddress. */
export function ipAddressProblem(s: string): string | undefined {
  return isValidIPAddress(s) ? undefined : `${s} is not a valid IP`;
}

/** agent.ValidateIPSubnet: a CIDR block when it holds one '/', else an IP address. */
export function ipSubnetProblem(s: string): string | undefined {
  if (s.split('/').length - 1 === 1) return prefixProblem(s) === undefined ? undefined : `${s} is not a valid CIDR block`;
  return ipAddressProblem(s);
}

/** security.ValidateIPs: each value a CIDR range (when it holds a '/') or an address. */
export function ipsProblem(value: string): string | undefined {
  if (value.includes('/')) {
    const p = prefixProblem(value);
    return p === undefined ? undefined : `bad CIDR range (${value}): netip.ParsePrefix(${JSON.stringify(value)}): ${p}`;
  }
  return isValidIPAddress(value) ? undefined : `bad IP address (${value})`;
}

/** agent.ValidatePort: 1-65535. */
export function portProblem(port: number): string | undefined {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? undefined : `port number ${port} must be in the range 1..65535`;
}

/** security.ValidatePorts: each a decimal number (strconv.ParseUint) of at most 65535; 0 is accepted. */
export function securityPortProblem(port: string): string | undefined {
  if (!/^[0-9]+$/.test(port)) return `bad port (${port}): strconv.ParseUint: parsing ${JSON.stringify(port)}: invalid syntax`;
  return Number(port) > 65535 ? `bad port (${port}): the port is over 65535` : undefined;
}

/** validation.go, ValidateUnixAddress: `@abstract`, or an absolute path to a file. */
export function unixAddressProblem(address: string): string | undefined {
  if (address === '') return 'unix address must not be empty';
  if (address.startsWith('@')) return undefined;
  return address.startsWith('/') && !address.endsWith('/') ? undefined : `${address} is not an absolute path to a file`;
}

/** Go's net.SplitHostPort: `host:port`, `[host]:port`; the error Go gives otherwise. */
export function splitHostPort(hostport: string): { host: string; port: string; error?: string } {
  const fail = (why: string) => ({ host: '', port: '', error: `address ${hostport}: ${why}` });
  const i = hostport.lastIndexOf(':');
  if (i < 0) return fail('missing port in address');
  let host: string;
  let j = 0;
  let k = 0;
  if (hostport[0] === '[') {
    const end = hostport.indexOf(']');
    if (end < 0) return fail("missing ']' in address");
    if (end + 1 === hostport.length) return fail('missing port in address');
    if (end + 1 !== i) return fail(hostport[end + 1] === ':' ? 'too many colons in address' : 'missing port in address');
    host = hostport.slice(1, end);
    j = 1;
    k = end + 1;
  } else {
    host = hostport.slice(0, i);
    if (host.includes(':')) return fail('too many colons in address');
  }
  if (hostport.slice(j).includes('[')) return fail("unexpected '[' in address");
  if (hostport.slice(k).includes(']')) return fail("unexpected ']' in address");
  return { host, port: hostport.slice(i + 1) };
}
