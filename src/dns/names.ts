// Domain-name and address helpers shared by the zones. Names are handled without
// the trailing dot, as dns-packet decodes them.
import net from 'node:net';

export function trimDot(name: string): string {
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/** True when `name` is `zone` or below it (both lower-case, no trailing dot). */
export function isSubdomain(name: string, zone: string): boolean {
  return zone === '' || name === zone || (name.length > zone.length && name.endsWith(zone) && name[name.length - zone.length - 1] === '.');
}

/** A name we can echo back faithfully: non-empty labels of at most 63 bytes, 253 bytes in all. */
export function isValidName(name: string): boolean {
  if (name === '.' || name === '') return true;
  if (Buffer.byteLength(name) > 253) return false;
  for (const label of name.split('.')) {
    const len = Buffer.byteLength(label);
    if (len === 0 || len > 63) return false;
  }
  return true;
}

/** Canonical text form of an IP (compressed lower-case IPv6), or undefined. */
export function canonicalIp(ip: string): string | undefined {
  const family = net.isIP(ip);
  if (family === 4) return ip;
  if (family === 6) return new URL(`http://[${ip}]`).hostname.slice(1, -1);
  return undefined;
}

/** `10.244.1.5` -> `10-244-1-5`, `fd00::5` -> `fd00--5` (the endpoint hostname when none is set). */
export function dashedIp(ip: string): string {
  return ip.includes(':') ? ip.replaceAll(':', '-') : ip.replaceAll('.', '-');
}

/** The inverse of dashedIp, for pod records: undefined unless it is a well-formed address. */
export function ipFromDashed(label: string): string | undefined {
  const v4 = (label.match(/-/g)?.length ?? 0) === 3 && !label.includes('--');
  return canonicalIp(v4 ? label.replaceAll('-', '.') : label.replaceAll('-', ':'));
}

/** `5.1.244.10.in-addr.arpa` -> `10.244.1.5`; nibble names under ip6.arpa likewise. */
export function ipFromReverse(name: string): string | undefined {
  if (name.endsWith('.in-addr.arpa')) {
    const octets = name.slice(0, -'.in-addr.arpa'.length).split('.');
    return octets.length === 4 ? canonicalIp(octets.reverse().join('.')) : undefined;
  }
  if (name.endsWith('.ip6.arpa')) {
    const nibbles = name.slice(0, -'.ip6.arpa'.length).split('.');
    if (nibbles.length !== 32 || !nibbles.every((n) => /^[0-9a-f]$/.test(n))) return undefined;
    const hex = nibbles.reverse().join('');
    return canonicalIp(hex.match(/.{4}/g)!.join(':'));
  }
  return undefined;
}

export function isReverseName(name: string): boolean {
  return name.endsWith('.in-addr.arpa') || name.endsWith('.ip6.arpa');
}
