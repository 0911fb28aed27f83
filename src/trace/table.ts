// The trace's own nft table: at raw priority (before conntrack and every
// proxy rule) it sets nftrace on the probe's packets only, recognised by the
// probe's fixed source port (and replies by it as destination port), and
// after a masquerade by the DSCP it set. One table
// per trace, named after the tracing process, so a table whose process is gone
// (kill -9) is recognised and removed by the next trace.
import { alive } from '../lab/processes.js';

const prefix = 'svclab_trace_';
export const traceDscp = 'cs4';

export function traceTableName(pid: number, sport: number): string {
  return `${prefix}${pid}_${sport}`;
}

export function traceRuleset(table: string, proto: 'tcp' | 'udp', sport: number): string {
  // The probe's packets also get a DSCP no lab traffic uses: masquerade may change the source port, DSCP survives it to the next node.
  const rules = [
    `meta l4proto ${proto} th sport ${sport} ip dscp set ${traceDscp} meta nftrace set 1`,
    `meta l4proto ${proto} ip dscp ${traceDscp} meta nftrace set 1`,
    `meta l4proto ${proto} th dport ${sport} meta nftrace set 1`,
  ];
  const chain = (name: string, hook: string): string => `  chain ${name} {\n    type filter hook ${hook} priority raw; policy accept;\n${rules.map((r) => `    ${r}\n`).join('')}  }`;
  return `table ip ${table} {\n${chain('prerouting', 'prerouting')}\n${chain('output', 'output')}\n}\n`;
}

export function isTraceTable(table: string): boolean {
  return table.startsWith(prefix);
}

/** Trace tables in `nft list tables` output whose tracing process is gone. */
export function orphanTables(listTables: string, isAlive: (pid: number) => boolean = alive): string[] {
  const out: string[] = [];
  for (const m of listTables.matchAll(/^table ip (svclab_trace_(\d+)_\d+)$/gm)) if (!isAlive(Number(m[2]))) out.push(m[1]!);
  return out;
}
