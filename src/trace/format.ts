// The trace as a person reads it: per host the packet's hooks, chains, rules
// and verdicts in order, then NAT, the outcome and who answered.
import { describeNat } from './conntrack.js';
import type { HostPass, TraceResult, TraceStep } from './model.js';
import type { PacketFields } from './parse.js';

const addr = (ip?: string, port?: number): string => `${ip ?? '?'}${port === undefined ? '' : `:${port}`}`;

function packetLine(p: PacketFields): string {
  const via = [p.iif && `in ${p.iif}`, p.oif && `out ${p.oif}`].filter(Boolean).join(', ');
  return `${addr(p.saddr, p.sport)} -> ${addr(p.daddr, p.dport)} ${p.proto ?? ''}${p.flags ? ` ${p.flags}` : ''}${via ? ` (${via})` : ''}`;
}

/** The rule in the words of its tool: iptables-save for iptables-nft tables, else nft. */
function ruleText(s: TraceStep): string {
  if (s.kind === 'policy') return `policy ${s.verdict}`;
  if (s.kind === 'return') return 'end of chain, back to the caller';
  return s.iptables ?? s.rule ?? '';
}

function verdictText(s: TraceStep): string {
  if (!s.verdict || s.kind === 'policy') return '';
  return s.verdict.replace(/^(jump|goto) /, '$1 -> ');
}

function formatPass(p: HostPass): string[] {
  const out = [`${p.host} (${p.direction === 'original' ? 'request' : 'reply'}): ${packetLine(p.packet)}`];
  for (const s of p.steps) {
    if (s.kind === 'packet') {
      out.push(`  [${s.hook ?? '?'}] ${s.family} ${s.table} ${s.chain}`);
      continue;
    }
    const v = verdictText(s);
    out.push(`    ${s.iptables ? '' : `${s.chain}: `}${ruleText(s)}${v ? `  => ${v}` : ''}`);
  }
  return out;
}

export function formatTrace(r: TraceResult): string {
  const out = [`trace ${r.from} -> ${r.to} (${r.target.ip}:${r.target.port}/${r.proto}, source port ${r.sourcePort}) in lab ${r.lab}, proxy mode ${r.proxyMode}`, ''];
  if (r.passes.length === 0) out.push('no traced packet crossed a lab node or the router (the probe stayed inside its namespace?)');
  for (const p of r.passes) out.push(...formatPass(p), '');
  if (r.dnat.length) out.push(`DNAT: ${r.dnat.join(' -> ')}`);
  for (const c of r.conntrack) for (const line of describeNat(c)) out.push(`conntrack on ${c.host}: ${line}`);
  for (const p of r.proxy ?? []) out.push(`${r.proxyMode === 'ipvs' ? 'IPVS connections' : 'proxy sockets'} on ${p.host}:`, ...p.lines.map((l) => `  ${l.trim()}`));
  if (r.stopped) out.push(`stopped on ${r.stopped.host} in ${r.stopped.chain} (${r.stopped.verdict}): ${r.stopped.rule}`);
  const answer = r.probe.ok ? `answered in ${r.probe.ms} ms${r.probe.reply ? `: ${r.probe.reply}` : ''}` : `no answer: ${r.probe.error ?? 'failed'}`;
  out.push(`probe: ${answer}`);
  if (r.answeredBy) out.push(`answered by pod ${r.answeredBy.namespace}/${r.answeredBy.pod} (${r.answeredBy.ip}${r.answeredBy.port ? `:${r.answeredBy.port}` : ''}) on ${r.answeredBy.node ?? '?'}`);
  return out.join('\n');
}
