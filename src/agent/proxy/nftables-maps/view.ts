// The nftables-maps mode's rules as an operator reads them: table ip svclab-maps, where a service is
// only elements keyed by its entry points ("ip . proto . port", "proto . nodePort"), with each
// endpoint element's packet counter.
import type { Service } from '../../../api/types.js';
import { mustRun, type Exec } from '../exec.js';
import { servicePortName } from '../model.js';
import { commentMarker, hasNftChain, nftBlocks, type RulesView, type ShownRules } from '../rules-view.js';
import { NftablesMapsBackend } from './backend.js';
import { mapsTable } from './render.js';

/** The table (all of it), or one service's elements; then each endpoint element's packet counter. */
async function show(exec: Exec, services: Service[], only: boolean): Promise<ShownRules> {
  const text = await mustRun(exec, 'nft', ['list', 'table', 'ip', mapsTable]);
  // A service's elements start with one of its entry points: "ip . proto . port" or, for node ports, "proto . nodePort".
  const entries = services.flatMap((s) =>
    (s.spec.ports ?? []).flatMap((p) => {
      const proto = (p.protocol ?? 'TCP').toLowerCase();
      const ips = [s.spec.clusterIP, ...(s.spec.externalIPs ?? []), ...(s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip)].filter((ip): ip is string => !!ip && ip !== 'None');
      const label = `${servicePortName({ namespace: s.metadata.namespace!, name: s.metadata.name!, portName: p.name ?? '' })} (${proto})`;
      return [...ips.map((ip) => ({ prefix: `${ip} . ${proto} . ${p.port}`, label })), ...(p.nodePort ? [{ prefix: `${proto} . ${p.nodePort}`, label }] : [])];
    }),
  );
  const ownerOf = (element: string): string | undefined => entries.find((e) => element === e.prefix || element.startsWith(`${e.prefix} `))?.label;
  const out: string[] = [];
  if (!only) out.push(text);
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
  const counters = (await new NftablesMapsBackend({ run: exec }).counters()).map((c) => ({ ...c, owner: ownerOf(c.entry) })).filter((c) => !only || c.owner);
  return {
    text: out.join('\n'),
    counters: {
      header: ['SERVICE PORT', 'ENTRY . INDEX', 'ENDPOINT', 'MAP', 'PACKETS', 'BYTES'],
      rows: counters.map((c) => [c.owner ?? '?', c.entry, c.endpoint, c.map, String(c.packets), String(c.bytes)]),
      none: 'no endpoint elements',
    },
  };
}

export const nftablesMapsView: RulesView = {
  async dump(exec) {
    // Endpoints are map values ("10.244.1.5 . 8080"): list them as "entry -> ip:port" too, as the other modes print them.
    const counters = await new NftablesMapsBackend({ run: exec }).counters();
    return [await mustRun(exec, 'nft', ['list', 'ruleset']), ...counters.map((c) => `${c.map} ${c.entry} -> ${c.endpoint}`)].join('\n');
  },
  show,
  nameMarker: commentMarker,
  addressMarker(svc, port) {
    const ip = svc.spec.clusterIP;
    if (!ip || ip === 'None') return undefined;
    const esc = ip.replace(/\./g, '\\.');
    return new RegExp(port ? `\\b${esc} \\. ${(port.protocol ?? 'TCP').toLowerCase()} \\. ${port.port}\\b` : `\\b${esc}\\b`);
  },
  hasChain: hasNftChain,
};
