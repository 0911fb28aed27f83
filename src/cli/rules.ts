// `lab rules [--name lab] NODE [SERVICE]`: what a node's kernel holds for the
// lab's proxy mode, read live on the node (iptables-save, nft, ipvsadm), all
// of it or one service's part; in iptables mode also how many packets each
// endpoint got (the KUBE-SEP DNAT counters), to watch the balancing live.
import { IptablesBackend } from '../agent/proxy/iptables/backend.js';
import { serviceChains } from '../agent/proxy/iptables/names.js';
import { parseIptablesSave, ruleTarget, type SavedTable } from '../agent/proxy/iptables/save.js';
import { commandRunner, mustRun, type Exec } from '../agent/proxy/exec.js';
import { servicePortName } from '../agent/proxy/model.js';
import type { ProxyMode } from '../agent/proxy/modes.js';
import { NftablesMapsBackend } from '../agent/proxy/nftables-maps/backend.js';
import { mapsTable } from '../agent/proxy/nftables-maps/render.js';
import { types } from '../api/resources.js';
import type { Service } from '../api/types.js';
import { ApiClient } from '../client/client.js';
import { hostArgv } from '../lab/hosts.js';
import { serverUrl } from '../lab/state.js';
import { table } from '../lab/status.js';
import { type Command, parse, UsageError } from './args.js';
import { requireLab } from './lab-select.js';

interface Target {
  exec: Exec;
  /** The argv prefix that runs a command on the node. */
  execPrefix: string[];
  /** Every Service (no SERVICE given) or the one asked for. */
  services: Service[];
  /** Only this service's part of the rules. */
  only: boolean;
}

/** "ns/name:port (proto)" of each port of the services. */
function portLabels(services: Service[]): { spn: string; proto: string; label: string }[] {
  return services.flatMap((s) =>
    (s.spec.ports ?? []).map((p) => {
      const spn = servicePortName({ namespace: s.metadata.namespace!, name: s.metadata.name!, portName: p.name ?? '' });
      const proto = (p.protocol ?? 'TCP').toLowerCase();
      return { spn, proto, label: `${spn} (${proto})` };
    }),
  );
}

/** A rule's comment names the service port ("ns/svc:p", "ns/svc:p cluster IP", "masquerade traffic for ns/svc:p ..."). */
function mentions(spec: string, spns: string[]): boolean {
  const m = /--comment (?:"([^"]*)"|(\S+))/.exec(spec);
  const words = (m?.[1] ?? m?.[2] ?? '').split(' ');
  return spns.some((spn) => words.includes(spn));
}

const saveLines = (text: string): string[] => text.split('\n').filter((l) => l && !l.startsWith('#'));

async function iptablesRules(t: Target): Promise<string> {
  const [filterText, natText] = await Promise.all(['filter', 'nat'].map((table) => mustRun(t.exec, 'iptables-save', ['-t', table])));
  const ports = portLabels(t.services);
  // Which service port each per-service chain belongs to: its own chains by name, KUBE-SEP chains by the jumps into them.
  const owner = new Map<string, string>();
  for (const p of ports) for (const chain of Object.values(serviceChains(p.spn, p.proto))) owner.set(chain, p.label);
  const nat = parseIptablesSave(natText!).get('nat');
  for (const r of nat?.rules ?? []) {
    const target = ruleTarget(r.spec);
    if (owner.has(r.chain) && target?.startsWith('KUBE-SEP-')) owner.set(target, owner.get(r.chain)!);
  }
  const out: string[] = [];
  if (!t.only) out.push(...saveLines(filterText!), ...saveLines(natText!));
  else {
    const spns = ports.map((p) => p.spn);
    const filter = parseIptablesSave(filterText!).get('filter');
    const ours = (tbl: SavedTable | undefined, keep: (chain: string, spec: string) => boolean): string[] => (tbl?.rules ?? []).filter((r) => keep(r.chain, r.spec)).map((r) => `-A ${r.chain} ${r.spec}`);
    out.push('*filter', ...ours(filter, (_, spec) => mentions(spec, spns)), 'COMMIT', '*nat');
    out.push(...[...(nat?.chains ?? [])].filter((c) => owner.has(c)).map((c) => `:${c} - [0:0]`));
    out.push(...ours(nat, (chain, spec) => owner.has(chain) || owner.has(ruleTarget(spec) ?? '')), 'COMMIT');
  }
  const counters = (await new IptablesBackend({ exec: t.execPrefix }).counters()).filter((c) => !t.only || owner.has(c.chain));
  out.push(
    '',
    counters.length === 0
      ? 'no endpoint chains'
      : table([['SERVICE PORT', 'ENDPOINT', 'CHAIN', 'PACKETS', 'BYTES'], ...counters.map((c) => [owner.get(c.chain) ?? '?', c.endpoint, c.chain, String(c.packets), String(c.bytes)])]),
  );
  return out.join('\n');
}

/** nft's listing split into its set/map/chain blocks, by name. */
function nftBlocks(text: string): { name: string; lines: string[] }[] {
  const blocks: { name: string; lines: string[] }[] = [];
  let current: { name: string; lines: string[] } | undefined;
  for (const line of text.split('\n')) {
    const start = /^\t(?:chain|set|map) (\S+) \{$/.exec(line);
    if (start) blocks.push((current = { name: start[1]!, lines: [] }));
    current?.lines.push(line);
    if (line === '\t}') current = undefined;
  }
  return blocks;
}

async function nftablesRules(t: Target): Promise<string> {
  const text = await mustRun(t.exec, 'nft', ['list', 'table', 'ip', 'kube-proxy']);
  if (!t.only) return text;
  // Per-service chains and affinity sets carry "-ns/name/" in their names; the maps' elements name those chains or the service.
  const marks = t.services.map((s) => `-${s.metadata.namespace}/${s.metadata.name}/`);
  const spns = portLabels(t.services).map((p) => p.spn);
  const clusterIPs = t.services.map((s) => s.spec.clusterIP);
  const out: string[] = [];
  for (const b of nftBlocks(text)) {
    if (marks.some((m) => b.name.includes(m))) out.push(...b.lines);
    else {
      const joined = b.lines.join(' ');
      const at = joined.indexOf('elements = {');
      if (at < 0) continue;
      const elements = joined.slice(at + 'elements = {'.length, joined.indexOf('}', at)).split(',').map((e) => e.replace(/\s+/g, ' ').trim());
      const ours = elements.filter((e) => marks.some((m) => e.includes(m)) || spns.some((spn) => e.includes(`"${spn}"`)) || clusterIPs.includes(e));
      if (ours.length) out.push(`\t${b.name}:`, ...ours.map((e) => `\t\t${e}`));
    }
  }
  return out.join('\n');
}

/** The nftables-maps table (all of it), or one service's elements; then each endpoint element's packet counter. */
async function nftablesMapsRules(t: Target): Promise<string> {
  const text = await mustRun(t.exec, 'nft', ['list', 'table', 'ip', mapsTable]);
  // A service's elements start with one of its entry points: "ip . proto . port" or, for node ports, "proto . nodePort".
  const entries = t.services.flatMap((s) =>
    (s.spec.ports ?? []).flatMap((p) => {
      const proto = (p.protocol ?? 'TCP').toLowerCase();
      const ips = [s.spec.clusterIP, ...(s.spec.externalIPs ?? []), ...(s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip)].filter((ip): ip is string => !!ip && ip !== 'None');
      const label = `${servicePortName({ namespace: s.metadata.namespace!, name: s.metadata.name!, portName: p.name ?? '' })} (${proto})`;
      return [...ips.map((ip) => ({ prefix: `${ip} . ${proto} . ${p.port}`, label })), ...(p.nodePort ? [{ prefix: `${proto} . ${p.nodePort}`, label }] : [])];
    }),
  );
  const ownerOf = (element: string): string | undefined => entries.find((e) => element === e.prefix || element.startsWith(`${e.prefix} `))?.label;
  const out: string[] = [];
  if (!t.only) out.push(text);
  else {
    for (const b of nftBlocks(text)) {
      const joined = b.lines.join(' ');
      const at = joined.indexOf('elements = {');
      if (at < 0) continue;
      const elements = joined.slice(at + 'elements = {'.length, joined.lastIndexOf('}')).split(',').map((e) => e.replace(/\s+/g, ' ').trim());
      const ours = elements.filter((e) => ownerOf(e));
      if (ours.length) out.push(`\t${b.name}:`, ...ours.map((e) => `\t\t${e}`));
    }
  }
  const counters = (await new NftablesMapsBackend({ exec: t.execPrefix }).counters()).map((c) => ({ ...c, owner: ownerOf(c.entry) })).filter((c) => !t.only || c.owner);
  out.push(
    '',
    counters.length === 0
      ? 'no endpoint elements'
      : table([['SERVICE PORT', 'ENTRY . INDEX', 'ENDPOINT', 'MAP', 'PACKETS', 'BYTES'], ...counters.map((c) => [c.owner ?? '?', c.entry, c.endpoint, c.map, String(c.packets), String(c.bytes)])]),
  );
  return out.join('\n');
}

async function userspaceRules(t: Target): Promise<string> {
  const nat = parseIptablesSave(await mustRun(t.exec, 'iptables-save', ['-t', 'nat'])).get('nat');
  const portal = (chain: string): boolean => /^KUBE-(PORTALS|NODEPORT)-/.test(chain);
  const spns = portLabels(t.services).map((p) => p.spn);
  const rules = (nat?.rules ?? []).filter((r) => (portal(r.chain) && (!t.only || mentions(r.spec, spns))) || (!t.only && portal(ruleTarget(r.spec) ?? '')));
  return ['*nat', ...[...(nat?.chains ?? [])].filter(portal).map((c) => `:${c} - [0:0]`), ...rules.map((r) => `-A ${r.chain} ${r.spec}`), 'COMMIT', '', 'endpoints are chosen by the agent (round robin), not by the kernel: no per-endpoint counters'].join('\n');
}

async function ipvsRules(t: Target): Promise<string> {
  const text = await mustRun(t.exec, 'ipvsadm', ['-Ln', '--stats']);
  if (!t.only) return text;
  const ips = t.services.map((s) => s.spec.clusterIP ?? '');
  // A virtual server line starts a block; its real servers ("  -> ...") follow.
  let keep = false;
  return text.split('\n').filter((l) => (/^(TCP|UDP|SCTP)\s/.test(l) ? (keep = ips.some((ip) => l.includes(` ${ip}:`))) : keep)).join('\n');
}

export const rulesCommand: Command = {
  summary: "print a node's live proxy rules (all, or one service's) and the packets each endpoint got",
  usage: '[--name lab] NODE [NAMESPACE/SERVICE]',
  async run(argv) {
    const { values, positionals } = parse('rules', argv, { name: { type: 'string', short: 'n' } }, true);
    if (positionals.length < 1 || positionals.length > 2) throw new UsageError('lab rules: name a node (node1...) and optionally a service as NAMESPACE/NAME');
    const [node, service] = positionals as [string, string | undefined];
    const { name: lab, state } = requireLab('rules', values.name);
    if (!state.plan.nodes.some((n) => n.name === node)) throw new UsageError(`lab rules: no node "${node}" in lab ${lab} (nodes: ${state.plan.nodes.map((n) => n.name).join(', ')})`);
    const client = new ApiClient({ server: serverUrl(state), timeoutMs: 10_000 });
    try {
      let services: Service[];
      if (service) {
        const [ns, name] = service.includes('/') ? service.split('/', 2) : ['default', service];
        services = [await client.get<Service>(types.services, name!, ns)];
      } else {
        services = (await client.list<Service>(types.services)).items;
      }
      const execPrefix = hostArgv(lab, node, []);
      const target = { exec: commandRunner(execPrefix), execPrefix, services, only: !!service };
      const printers: Record<ProxyMode, (t: Target) => Promise<string>> = { iptables: iptablesRules, nftables: nftablesRules, 'nftables-maps': nftablesMapsRules, userspace: userspaceRules, ipvs: ipvsRules };
      const print = printers[state.plan.proxyMode];
      console.log(`# ${node} of lab ${lab}, proxy mode ${state.plan.proxyMode}${service ? `, service ${services[0]!.metadata.namespace}/${services[0]!.metadata.name}` : ''}`);
      console.log(await print(target));
    } finally {
      client.close();
    }
  },
};
