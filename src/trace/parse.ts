// `nft -a monitor` output -> the packets one trace followed. Pure text
// handling: every line nft prints for a traced packet starts with
// "trace id ID FAMILY TABLE CHAIN", then "packet: ..." (the packet entering a
// base chain), "rule ... # handle N (verdict V)", "policy V" or "return".

export interface TraceEvent {
  id: string;
  family: string;
  table: string;
  chain: string;
  kind: 'packet' | 'rule' | 'policy' | 'return' | 'other';
  /** packet: the packet's fields as nft prints them; rule: the rule; other: the rest. */
  text: string;
  handle?: number;
  verdict?: string;
}

export function parseTraceLine(line: string): TraceEvent | undefined {
  const m = /^trace id (\S+) (\S+) (\S+) (\S+) (.*)$/.exec(line.trimEnd());
  if (!m) return undefined;
  const [, id, family, table, chain, rest] = m as unknown as [string, string, string, string, string, string];
  const base = { id, family, table, chain };
  if (rest.startsWith('packet: ')) return { ...base, kind: 'packet', text: rest.slice('packet: '.length).trim() };
  const policy = /^policy (\S+)/.exec(rest);
  if (policy) return { ...base, kind: 'policy', text: '', verdict: policy[1] };
  if (/^return\b/.test(rest)) return { ...base, kind: 'return', text: '', verdict: 'return' };
  const rule = /^(?:unknown )?rule (.*?)\s*\(verdict ([^)]*)\)$/.exec(rest);
  if (rule) {
    let text = rule[1]!;
    let handle: number | undefined;
    const h = /^(?:(.*?)\s*# handle |handle )(\d+)$/.exec(text);
    if (h) {
      text = (h[1] ?? '').trim();
      handle = Number(h[2]);
    }
    return { ...base, kind: 'rule', text: text.replace(/\s{2,}/g, ' ').trim(), handle, verdict: rule[2]!.trim() };
  }
  return { ...base, kind: 'other', text: rest };
}

/** The addresses of a packet line ("... ip saddr A ip daddr B ... tcp sport P tcp dport Q ..."). */
export interface PacketFields {
  saddr?: string;
  daddr?: string;
  proto?: string;
  sport?: number;
  dport?: number;
  iif?: string;
  oif?: string;
  ttl?: number;
  flags?: string;
  dscp?: string;
}

export function packetFields(text: string): PacketFields {
  const get = (re: RegExp): string | undefined => re.exec(text)?.[1];
  const num = (s: string | undefined): number | undefined => (s === undefined ? undefined : Number(s));
  const proto = get(/\b(tcp|udp|sctp|icmp) /);
  return {
    saddr: get(/\bip saddr (\S+)/),
    daddr: get(/\bip daddr (\S+)/),
    proto,
    sport: num(get(/\b(?:tcp|udp|sctp) sport (\d+)/)),
    dport: num(get(/\b(?:tcp|udp|sctp) dport (\d+)/)),
    iif: get(/\biif "([^"]+)"/),
    oif: get(/\boif "([^"]+)"/),
    ttl: num(get(/\bip ttl (\d+)/)),
    flags: get(/\btcp flags == (\S+)/),
    dscp: get(/\bip dscp (\S+)/),
  };
}

/** One packet's way through one network namespace: the events after it entered our trace chain. */
export interface TracedPacket {
  fields: PacketFields;
  events: TraceEvent[];
}

/**
 * Splits a namespace's events into packets. The kernel reuses trace ids, so a
 * packet starts where its id enters our own trace table (the first chain it
 * meets, at raw priority) and owns that id's events until the next start.
 */
export function groupPackets(events: TraceEvent[], ownTable: string, isTraceTable: (table: string) => boolean): TracedPacket[] {
  const packets: TracedPacket[] = [];
  const current = new Map<string, TracedPacket>();
  for (const e of events) {
    if (isTraceTable(e.table)) {
      // Another trace's table (a concurrent trace) sees the same packets only if they share our port: never ours to start.
      if (e.kind === 'packet' && e.table === ownTable) {
        const p = { fields: packetFields(e.text), events: [] };
        packets.push(p);
        current.set(e.id, p);
      }
      continue;
    }
    current.get(e.id)?.events.push(e);
  }
  return packets;
}
