// One trace: our trace table and an `nft -a monitor` in every lab host the
// probe may cross, the probe, then conntrack and the listings that name the
// rules; everything of ours removed afterwards (also on Ctrl-C; a kill -9's
// leftovers by the next trace, and by lab down with the namespaces).
import { spawn, type ChildProcess } from 'node:child_process';
import { hostArgv } from '../lab/hosts.js';
import { systemTool } from '../net/tools.js';
import { run } from '../net/run.js';
import { poll } from '../util/poll.js';
import { parseConntrack } from './conntrack.js';
import { iptablesRuleByHandle, parseTableListing, ruleComment, type TableListing } from './listing.js';
import type { ConntrackEntry, HostPass, TraceStep } from './model.js';
import { groupPackets, parseTraceLine, type TraceEvent, type TracedPacket } from './parse.js';
import { isTraceTable, orphanTables, traceDscp, traceRuleset, traceTableName } from './table.js';

export interface SessionOptions {
  lab: string;
  /** Lab hosts to watch: node names, router, outside. */
  hosts: string[];
  proto: 'tcp' | 'udp';
  /** Sends the probe from the chosen place with this source port. */
  probe(sourcePort: number): Promise<void>;
  /** Extra commands to read on every host after the probe (ipvsadm -Lnc, ss): host -> output. */
  afterProbe?: (onHost: (host: string, argv: string[]) => Promise<string>) => Promise<void>;
}

export interface SessionResult {
  sourcePort: number;
  passes: HostPass[];
  conntrack: ConntrackEntry[];
}

async function onHost(lab: string, host: string, argv: string[], input?: string): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const [cmd, ...args] = hostArgv(lab, host, argv);
  return run(cmd!, args, { input, timeoutMs: 15_000 });
}

async function mustOnHost(lab: string, host: string, argv: string[], input?: string): Promise<string> {
  const r = await onHost(lab, host, argv, input);
  if (r.exitCode !== 0) throw new Error(`${argv.join(' ')} on ${host}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** Removes trace tables left by traces that were killed. */
async function removeOrphanTables(lab: string, hosts: string[]): Promise<string[]> {
  const removed: string[] = [];
  await Promise.all(
    hosts.map(async (host) => {
      const r = await onHost(lab, host, [systemTool('nft'), 'list', 'tables']);
      for (const t of orphanTables(r.stdout)) {
        await onHost(lab, host, [systemTool('nft'), 'delete', 'table', 'ip', t]);
        removed.push(`${host}: ${t}`);
      }
    }),
  );
  return removed;
}

/** A free-looking source port below the kernel's ephemeral range and the nodePort range, so no other traffic has it. */
function pickSourcePort(): number {
  return 20000 + Math.floor(Math.random() * 9000);
}

class Monitor {
  readonly lines: string[] = [];
  private child: ChildProcess;
  private partial = '';
  private waiters: { word: string; resolve: () => void }[] = [];
  lastAt = Date.now();

  constructor(lab: string, host: string) {
    // pdeathsig: a kill -9 of lab trace takes the monitor with it; SVCLAB_LAB: lab down finds it anyway.
    const [cmd, ...args] = hostArgv(lab, host, [systemTool('setpriv'), '--pdeathsig', 'KILL', '--', systemTool('nft'), '-a', 'monitor']);
    this.child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, SVCLAB_LAB: lab } });
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (d: string) => {
      const text = this.partial + d;
      const lines = text.split('\n');
      this.partial = lines.pop()!;
      this.lastAt = Date.now();
      for (const l of lines) {
        this.lines.push(l);
        this.waiters = this.waiters.filter((w) => (l.includes(w.word) ? (w.resolve(), false) : true));
      }
    });
  }

  /** Resolves when a line containing word arrives (false after ms). */
  seen(word: string, ms: number): Promise<boolean> {
    if (this.lines.some((l) => l.includes(word))) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), ms);
      this.waiters.push({ word, resolve: () => (clearTimeout(t), resolve(true)) });
    });
  }

  stop(): void {
    this.child.kill('SIGKILL');
  }
}

/** The steps of one traced packet, with hooks and (for iptables-nft tables) the iptables-save rule and its comment. */
export function stepsOf(p: TracedPacket, listings: Map<string, TableListing>, iptables: Map<string, Map<string, string>>): TraceStep[] {
  let hook: string | undefined;
  return p.events.map((e: TraceEvent) => {
    const key = `${e.family} ${e.table}`;
    const listing = listings.get(key);
    if (e.kind === 'packet') hook = listing?.hooks.get(e.chain) ?? hook;
    const step: TraceStep = { hook, family: e.family, table: e.table, chain: e.chain, kind: e.kind, verdict: e.verdict };
    // A rule added after the monitor started prints as "unknown rule": the listing has it by handle.
    const text = e.kind === 'rule' && !e.text && e.handle !== undefined ? (listing?.rules.get(`${e.chain}#${e.handle}`) ?? '') : e.text;
    if (e.kind === 'packet' || e.kind === 'rule') step.rule = text.replace(/\s*counter packets \d+ bytes \d+/, '').replace(/\s{2,}/g, ' ').trim();
    if (e.kind === 'rule' && e.handle !== undefined) {
      const ipt = iptables.get(key)?.get(`${e.chain}#${e.handle}`);
      if (ipt) step.iptables = ipt;
      step.comment = ruleComment(ipt ?? text);
    }
    return step;
  });
}

export async function traceSession(o: SessionOptions): Promise<SessionResult> {
  const sport = pickSourcePort();
  const table = traceTableName(process.pid, sport);
  const nft = systemTool('nft');
  await removeOrphanTables(o.lab, o.hosts);
  const monitors = new Map(o.hosts.map((h) => [h, new Monitor(o.lab, h)]));
  const cleanup = async (): Promise<void> => {
    for (const m of monitors.values()) m.stop();
    await Promise.all(o.hosts.map((h) => onHost(o.lab, h, [nft, 'delete', 'table', 'ip', table])));
  };
  // Ctrl-C (or a TERM) in the middle: remove our tables, then leave as the signal asks.
  const onSignal = (sig: NodeJS.Signals): void => {
    void cleanup().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  // on, not once: execa's exit hook re-raises a signal nobody else listens to, which would kill us mid-cleanup.
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    // The monitor is ready once it reports our table's creation; a monitor that subscribed late hears the next ping.
    await Promise.all(
      o.hosts.map(async (h) => {
        await mustOnHost(o.lab, h, [nft, '-f', '-'], traceRuleset(table, o.proto, sport));
        const m = monitors.get(h)!;
        for (let i = 0; !(await m.seen(table, 250)); i++) {
          if (i === 20) throw new Error(`nft monitor on ${h} does not answer`);
          await mustOnHost(o.lab, h, [nft, 'add', 'chain', 'ip', table, `ping${i}`]);
        }
      }),
    );
    await o.probe(sport);
    const conntrack = (
      await Promise.all(o.hosts.map(async (h) => parseConntrack(h, (await onHost(o.lab, h, [systemTool('conntrack'), '-L', '-p', o.proto, '--orig-port-src', String(sport)])).stdout)))
    ).flat();
    await o.afterProbe?.((h, argv) => onHost(o.lab, h, argv).then((r) => r.stdout));
    // The last events of a packet may still be on their way from the kernel.
    const quietSince = (): number => Math.max(...[...monitors.values()].map((m) => m.lastAt));
    await poll(() => Date.now() - quietSince() >= 300, { timeoutMs: 2000, everyMs: 50 });
    const passes: HostPass[] = [];
    for (const h of o.hosts) {
      const events = monitors.get(h)!.lines.map(parseTraceLine).filter((e): e is TraceEvent => !!e);
      const packets = groupPackets(events, table, isTraceTable);
      const original = packets.find((p) => p.fields.sport === sport) ?? packets.find((p) => p.fields.dscp === traceDscp && p.fields.proto === o.proto);
      const reply = packets.find((p) => p.fields.dport === sport);
      const tables = [...new Set(packets.flatMap((p) => p.events.map((e) => `${e.family} ${e.table}`)))];
      const listings = new Map<string, TableListing>();
      const iptables = new Map<string, Map<string, string>>();
      for (const key of tables) {
        const [family, name] = key.split(' ') as [string, string];
        const listed = await onHost(o.lab, h, [nft, '-a', 'list', 'table', family, name]);
        const listing = parseTableListing(`${listed.stdout}\n${listed.stderr}`); // nft warns on stderr that iptables-nft owns a table
        listings.set(key, listing);
        if (listing.iptablesNft) iptables.set(key, iptablesRuleByHandle(listing, (await onHost(o.lab, h, [systemTool('iptables-save'), '-t', name])).stdout, name));
      }
      for (const [direction, p] of [['original', original], ['reply', reply]] as const) {
        if (p) passes.push({ host: h, direction, packet: p.fields, steps: stepsOf(p, listings, iptables) });
      }
    }
    // In the order the packet went: the original direction first, then by TTL (each router hop takes one).
    passes.sort((a, b) => (a.direction === b.direction ? (b.packet.ttl ?? 0) - (a.packet.ttl ?? 0) : a.direction === 'original' ? -1 : 1));
    return { sourcePort: sport, passes, conntrack };
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
