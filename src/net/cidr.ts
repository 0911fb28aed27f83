// IPv4 address arithmetic for the lab's address plan.

export interface Cidr {
  base: number; // network address as an unsigned 32-bit integer
  prefix: number;
}

export function parseIp(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export function formatIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(text: string): Cidr | undefined {
  const [ip, len] = text.split('/');
  if (ip === undefined || len === undefined || !/^\d{1,2}$/.test(len)) return undefined;
  const base = parseIp(ip);
  const prefix = Number(len);
  if (base === undefined || prefix > 32) return undefined;
  return { base: (base & mask(prefix)) >>> 0, prefix };
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
}

export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function contains(c: Cidr, ip: number): boolean {
  return ((ip & mask(c.prefix)) >>> 0) === c.base;
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.base)}/${c.prefix}`;
}

/** The i-th subnet of size /newPrefix inside c (e.g. the i-th /24 of 10.244.0.0/16). */
export function subnet(c: Cidr, newPrefix: number, i: number): Cidr | undefined {
  if (newPrefix < c.prefix) return undefined;
  const count = 2 ** (newPrefix - c.prefix);
  if (i < 0 || i >= count) return undefined;
  return { base: (c.base + i * 2 ** (32 - newPrefix)) >>> 0, prefix: newPrefix };
}

/** Address at offset n inside c: hostAt(10.0.0.0/24, 1) = 10.0.0.1. */
export function hostAt(c: Cidr, n: number): number {
  return (c.base + n) >>> 0;
}
