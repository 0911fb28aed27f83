// A static zone from a small YAML/JSON file: the lab's stand-in for the
// internet's DNS on the outside network. The file maps names to records:
//
//   my.database.example.com: A 203.0.113.10
//   www.example.com: [CNAME my.database.example.com, TXT "hello"]
//
// It answers every name authoritatively (NXDOMAIN for names it lacks).
import fs from 'node:fs';
import type { Answer, StringAnswer } from 'dns-packet';
import YAML from 'yaml';
import { canonicalIp, isValidName, trimDot } from './names.js';
import type { Zone, ZoneAnswer } from './zone.js';

function parseRecord(owner: string, text: string, ttl: number): Answer {
  const [rawType, ...rest] = text.trim().split(/\s+/);
  const type = (rawType ?? '').toUpperCase();
  const fail = (why: string): never => {
    throw new Error(`zone file: ${owner}: "${text}": ${why}`);
  };
  const target = (s: string | undefined): string => (s && isValidName(trimDot(s)) ? trimDot(s).toLowerCase() : fail('bad target name'));
  const num = (s: string | undefined): number => (s !== undefined && /^\d+$/.test(s) && Number(s) < 65536 ? Number(s) : fail('bad number'));
  switch (type) {
    case 'A':
    case 'AAAA': {
      const ip = canonicalIp(rest[0] ?? '');
      if (!ip || rest.length !== 1 || ip.includes(':') !== (type === 'AAAA')) fail(`bad ${type} address`);
      return { name: owner, type, ttl, data: ip! };
    }
    case 'CNAME':
    case 'NS':
    case 'PTR':
      return { name: owner, type, ttl, data: target(rest[0]) };
    case 'TXT':
      return { name: owner, type, ttl, data: rest.join(' ').replace(/^"(.*)"$/, '$1') };
    case 'MX':
      return { name: owner, type, ttl, data: { preference: num(rest[0]), exchange: target(rest[1]) } };
    case 'SRV':
      return { name: owner, type, ttl, data: { priority: num(rest[0]), weight: num(rest[1]), port: num(rest[2]), target: target(rest[3]) } };
    default:
      return fail(`unsupported record type ${type || '(none)'}`);
  }
}

export class StaticZone implements Zone {
  private readonly names = new Map<string, Answer[]>();
  /** Names that only exist because something below them does (NODATA, not NXDOMAIN). */
  private readonly parents = new Set<string>();

  constructor(records: Record<string, string | string[]>, readonly ttl = 300) {
    for (const [rawName, value] of Object.entries(records)) {
      const name = trimDot(rawName).toLowerCase();
      if (!isValidName(name)) throw new Error(`zone file: bad name ${rawName}`);
      const list = (Array.isArray(value) ? value : [value]).map((text) => parseRecord(name, String(text), ttl));
      if (list.some((r) => r.type === 'CNAME') && list.length > 1) throw new Error(`zone file: ${name}: a CNAME cannot have other records`);
      this.names.set(name, [...(this.names.get(name) ?? []), ...list]);
      for (let i = name.indexOf('.'); i >= 0; i = name.indexOf('.', i + 1)) this.parents.add(name.slice(i + 1));
    }
  }

  static fromFile(file: string, ttl?: number): StaticZone {
    const parsed: unknown = YAML.parse(fs.readFileSync(file, 'utf8'));
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`zone file ${file}: expected a map of name -> records`);
    return new StaticZone(parsed as Record<string, string | string[]>, ttl);
  }

  lookup(qname: string, type: string): ZoneAnswer {
    const owner = trimDot(qname);
    const records = this.names.get(owner.toLowerCase());
    if (!records) return { rcode: this.parents.has(owner.toLowerCase()) ? 'NOERROR' : 'NXDOMAIN', answers: [] };
    const cname = records.find((r): r is StringAnswer => r.type === 'CNAME');
    if (cname && type !== 'CNAME') return { rcode: 'NOERROR', answers: [{ ...cname, name: owner }], alias: cname.data };
    return { rcode: 'NOERROR', answers: records.filter((r) => r.type === type).map((r) => ({ ...r, name: owner })) };
  }
}
