// rules: what the proxy put in each node's kernel, read the way an operator
// would (iptables-save, nft list ruleset, ipvsadm -Ln) inside the node.
import { types } from '../../api/resources.js';
import type { Service } from '../../api/types.js';
import type { Exec } from '../../agent/proxy/exec.js';
import type { ProxyMode } from '../../agent/proxy/modes.js';
import { rulesViews } from '../../agent/proxy/views.js';
import { hostArgv } from '../../lab/hosts.js';
import { run } from '../../net/run.js';
import { systemTool } from '../../net/tools.js';
import { check, type Ctx, type Outcome } from '../context.js';
import { describe, matches } from '../match.js';
import type { Check, RulesStep } from '../model.js';
import { expand } from '../templates.js';

function onNode(ctx: Ctx, node: string): Exec {
  const [cmd, ...prefix] = hostArgv(ctx.lab, node, []);
  return (tool, args, input) => run(cmd!, [...prefix, systemTool(tool), ...args], { input, timeoutMs: 15_000 });
}

/** The node's proxy rules as text, in the proxy mode's own tool's words. */
export async function dumpRules(ctx: Ctx, node: string): Promise<string> {
  try {
    return await rulesViews[ctx.plan.proxyMode].dump(onNode(ctx, node));
  } catch (e) {
    throw new Error(`${(e as Error).message} (on ${node})`);
  }
}

/** nftables chains that were flushed but not yet deleted hold no rules: kube-proxy deletes stale chains a little later. */
export function withoutEmptyChains(text: string): string {
  return text.replace(/^\s*chain \S+ \{\s*\}\n?/gm, '');
}

/** A pattern that finds a service's (or one of its ports') rules in a dump, per proxy mode's naming. */
export function serviceMarker(mode: ProxyMode, namespace: string, name: string, port?: { name: string; protocol: string }): RegExp {
  return rulesViews[mode].nameMarker(namespace, name, port);
}

export async function rulesChecks(ctx: Ctx, raw: RulesStep): Promise<Outcome> {
  const s = await expand(ctx, raw);
  const mode = ctx.plan.proxyMode;
  const view = rulesViews[mode];
  const nodes = !s.nodes || s.nodes === 'all' ? ctx.plan.nodes.map((n) => n.name) : s.nodes;
  let marker: RegExp | undefined;
  let what = '';
  if (s.service) {
    const svc = await ctx.client.get<Service>(types.services, s.service, s.namespace ?? ctx.namespace).catch(() => undefined);
    const ns = s.namespace ?? ctx.namespace;
    const found = s.port === undefined ? undefined : svc?.spec.ports?.find((x) => x.name === String(s.port) || (!x.name && x.port === Number(s.port)));
    if (s.port !== undefined && !found && (s.present ?? true)) throw new Error(`service ${s.service} has no port ${s.port}`);
    // Modes that name ports by number only: a port removed from the Service is found by the number it had.
    const memoKey = `${ns}/${s.service}:${String(s.port)}`;
    if (found) ctx.seenPorts.set(memoKey, found);
    const p = found ?? (s.port === undefined ? undefined : ctx.seenPorts.get(memoKey));
    const byAddress = !!view.addressMarker;
    if (byAddress && s.port !== undefined && !p) throw new Error(`proxy mode ${mode} names ports by number, and port ${s.port} of service ${s.service} was never seen: check it with present: true before it goes`);
    marker =
      byAddress
        ? svc && view.addressMarker!(svc, p)
        : view.nameMarker(ns, s.service, s.port === undefined ? undefined : { name: p?.name ?? String(s.port), protocol: p?.protocol ?? 'TCP' });
    what = `rules of service ${ns}/${s.service}${s.port !== undefined ? ` port ${s.port}` : ''}`;
  }
  const checks: Check[] = [];
  for (const node of nodes) {
    const text = await dumpRules(ctx, node);
    if (s.service) {
      const lines = withoutEmptyChains(text).split('\n').filter((l) => marker?.test(l));
      const want = s.present ?? true;
      const seen = lines.length ? `present: ${lines.slice(0, 3).map((l) => l.trim()).join(' | ')}${lines.length > 3 ? ` (+${lines.length - 3} more)` : ''}` : 'absent';
      checks.push(check(`${node}: ${what}`, want ? 'present' : 'absent', seen, lines.length > 0 === want));
    }
    if (s.chain) {
      const has = view.hasChain(text, s.chain);
      checks.push(check(`${node}: chain ${s.chain}`, 'exists', has ? 'exists' : 'missing', has));
    }
    if (s.map) {
      const has = new RegExp(`\\b(map|set) ${s.map} \\{`).test(text);
      checks.push(check(`${node}: map ${s.map}`, 'exists', has ? 'exists' : mode.startsWith('nftables') ? 'missing' : `missing (proxy mode ${mode} has no nftables maps)`, has));
    }
    if (s.contains !== undefined) checks.push(check(`${node}: rules`, describe(s.contains, 'text'), matches(s.contains, text, 'text') ? 'found' : 'not found', matches(s.contains, text, 'text')));
    if (s.lacks !== undefined) checks.push(check(`${node}: rules`, `nothing ${describe(s.lacks, 'text')}`, matches(s.lacks, text, 'text') ? 'found' : 'none', !matches(s.lacks, text, 'text')));
  }
  return { checks, details: [] };
}
