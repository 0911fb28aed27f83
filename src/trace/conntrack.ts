// `conntrack -L` lines -> entries: the tuple the packet had, and the tuple its
// replies have; where they differ the kernel un-DNATs (or un-SNATs) replies.
import type { ConntrackEntry, Tuple } from './model.js';

export function parseConntrack(host: string, text: string): ConntrackEntry[] {
  const out: ConntrackEntry[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\w+)\s+\d+\s+(?:\d+\s+)?(?:([A-Z_]+)\s+)?(.*)$/.exec(line.trim());
    if (!m) continue;
    const kv = [...m[3]!.matchAll(/(src|dst|sport|dport)=(\S+)/g)].map((x) => [x[1]!, x[2]!] as const);
    if (kv.length < 4) continue;
    const tuples: Tuple[] = [];
    let t: Partial<Tuple> = {};
    for (const [k, v] of kv) {
      if (k === 'src' && t.src !== undefined) {
        tuples.push(t as Tuple);
        t = {};
      }
      if (k === 'src' || k === 'dst') t[k as 'src' | 'dst'] = v;
      else t[k as 'sport' | 'dport'] = Number(v);
    }
    tuples.push(t as Tuple);
    if (tuples.length < 2) continue;
    out.push({ host, proto: m[1]!, state: m[2], original: tuples[0]!, reply: tuples[1]! });
  }
  return out;
}

const addr = (ip: string, port?: number): string => (port === undefined ? ip : `${ip}:${port}`);

/** "reply from 10.244.2.5:8080 leaves as 10.96.0.20:80 (un-DNAT)", "... to 10.244.1.2:41000 (un-SNAT)". */
export function describeNat(e: ConntrackEntry): string[] {
  const out: string[] = [];
  if (e.reply.src !== e.original.dst || e.reply.sport !== e.original.dport) out.push(`un-DNAT: replies from ${addr(e.reply.src, e.reply.sport)} are rewritten to come from ${addr(e.original.dst, e.original.dport)}`);
  if (e.reply.dst !== e.original.src || e.reply.dport !== e.original.sport) out.push(`un-SNAT: replies to ${addr(e.reply.dst, e.reply.dport)} are rewritten to go to ${addr(e.original.src, e.original.sport)} (masquerade)`);
  return out;
}
