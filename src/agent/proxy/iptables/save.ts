// Reads iptables-save output (with or without -c counters).

interface SavedRule {
  chain: string;
  /** The rule after "-A <chain> ". */
  spec: string;
  packets?: number;
  bytes?: number;
}

export interface SavedTable {
  chains: Set<string>;
  rules: SavedRule[];
}

export function parseIptablesSave(text: string): Map<string, SavedTable> {
  const tables = new Map<string, SavedTable>();
  let table: SavedTable | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('*')) {
      table = { chains: new Set(), rules: [] };
      tables.set(line.slice(1), table);
    } else if (table && line.startsWith(':')) {
      table.chains.add(line.slice(1).split(' ')[0]!);
    } else if (table) {
      const m = /^(?:\[(\d+):(\d+)\] )?-A (\S+) (.*)$/.exec(line);
      if (m) table.rules.push({ chain: m[3]!, spec: m[4]!, ...(m[1] === undefined ? {} : { packets: Number(m[1]), bytes: Number(m[2]) }) });
    }
  }
  return tables;
}

/** The chain a rule jumps or goes to, if any. */
export function ruleTarget(spec: string): string | undefined {
  return /(?:^| )-[jg] (\S+)/.exec(spec)?.[1];
}
