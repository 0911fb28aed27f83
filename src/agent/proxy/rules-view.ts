// How an operator reads a proxy mode's rules on a node, per mode (views.ts): `lab rules` shows
// them (all, or one service's part, with per-endpoint counters where the kernel keeps them) and
// the scenario `rules` step dumps them and finds a service's lines. The agent never loads this.
import type { Service } from '../../api/types.js';
import type { Exec } from './exec.js';
import { servicePortName } from './model.js';

export interface ShownRules {
  text: string;
  /** Packets per endpoint, where the mode's kernel rules count them; `none` is shown when there are no rows. */
  counters?: { header: string[]; rows: string[][]; none: string };
}

export interface RulesView {
  /** The node's rules as the mode's own tools print them (what the scenario `rules` step checks). */
  dump(exec: Exec): Promise<string>;
  /** `lab rules`: every rule, or (`only`) just these services' part. */
  show(exec: Exec, services: Service[], only: boolean): Promise<ShownRules>;
  /** A pattern that finds a service's (or one of its ports') lines in dump(), by the names the rules carry. */
  nameMarker(namespace: string, name: string, port?: { name: string; protocol: string }): RegExp;
  /** Modes whose rules name services by address only (port numbers, no names): the pattern by entry point. */
  addressMarker?(svc: Service, port?: { port: number; protocol?: string }): RegExp | undefined;
  /** The dump holds this chain. */
  hasChain(dump: string, chain: string): boolean;
}

export const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** iptables comments: "ns/name:port cluster IP", "ns/name has no endpoints" (unnamed ports have no ":port"). */
export function commentMarker(namespace: string, name: string, port?: { name: string; protocol: string }): RegExp {
  const svc = `${escapeRegExp(namespace)}/${escapeRegExp(name)}`;
  return new RegExp(`"${svc}${port ? (port.name ? `:${escapeRegExp(port.name)}` : '') : '(:[^" ]+)?'}[ "]`);
}

/** An iptables-save dump declares the chain. */
export const hasSavedChain = (dump: string, chain: string): boolean => dump.split('\n').some((l) => l.startsWith(`:${chain} `));

/** An nft listing holds the chain. */
export const hasNftChain = (dump: string, chain: string): boolean => new RegExp(`\\bchain ${chain.replace(/[/.]/g, '\\$&')} \\{`).test(dump);

/** "ns/name:port (proto)" of each port of the services. */
export function portLabels(services: Service[]): { spn: string; proto: string; label: string }[] {
  return services.flatMap((s) =>
    (s.spec.ports ?? []).map((p) => {
      const spn = servicePortName({ namespace: s.metadata.namespace!, name: s.metadata.name!, portName: p.name ?? '' });
      const proto = (p.protocol ?? 'TCP').toLowerCase();
      return { spn, proto, label: `${spn} (${proto})` };
    }),
  );
}

/** A rule's comment names the service port ("ns/svc:p", "ns/svc:p cluster IP", "masquerade traffic for ns/svc:p ..."). */
export function mentions(spec: string, spns: string[]): boolean {
  const m = /--comment (?:"([^"]*)"|(\S+))/.exec(spec);
  const words = (m?.[1] ?? m?.[2] ?? '').split(' ');
  return spns.some((spn) => words.includes(spn));
}

export const saveLines = (text: string): string[] => text.split('\n').filter((l) => l && !l.startsWith('#'));

/** nft's listing split into its set/map/chain blocks, by name. */
export function nftBlocks(text: string): { name: string; lines: string[] }[] {
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
