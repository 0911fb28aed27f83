// `lab trace --from PLACE --to svc/NAME[:PORT]|IP:PORT`: resolves both ends,
// runs one traced probe (session.ts) and sums up what the kernel did: each
// DNAT, the masquerade, where it stopped, and which pod answered.
import { types } from '../api/resources.js';
import type { Pod, Service } from '../api/types.js';
import type { ApiClient, Connection } from '../client/client.js';
import type { LabPlan } from '../lab/plan.js';
import { runAt, type Where } from '../lab/run-at.js';
import { systemTool } from '../net/tools.js';
import { probeArgv, type Attempt } from '../scenario/probe-spec.js';
import { UserError } from '../util/errors.js';
import type { TraceResult } from './model.js';
import { traceSession } from './session.js';

export interface TraceRequest {
  lab: string;
  plan: LabPlan;
  api: Connection;
  client: ApiClient;
  /** pod/NAME (or NAME), node/NAME, outside. */
  from: string;
  /** svc/[NAMESPACE/]NAME[:PORT] or IP:PORT. */
  to: string;
  proto?: 'tcp' | 'udp';
  namespace: string;
}

export class TraceError extends UserError {}

function place(plan: LabPlan, from: string, namespace: string): Where {
  if (from === 'outside' || from === 'external') return { kind: 'host', host: from, label: from };
  if (from.startsWith('node/')) {
    const node = from.slice(5);
    if (!plan.nodes.some((n) => n.name === node)) throw new TraceError(`no node "${node}" in lab ${plan.name} (nodes: ${plan.nodes.map((n) => n.name).join(', ')})`);
    return { kind: 'host', host: node, label: from };
  }
  const name = from.replace(/^pod\//, '');
  if (!name || name.includes('/')) throw new TraceError(`--from must be pod/NAME, node/NAME or outside (got "${from}")`);
  return { kind: 'pod', namespace, name, label: `pod/${name}` };
}

interface Target {
  ip: string;
  port: number;
  proto: 'tcp' | 'udp';
  label: string;
}

async function target(r: TraceRequest, where: Where): Promise<Target> {
  const ipPort = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(r.to);
  if (ipPort) return { ip: ipPort[1]!, port: Number(ipPort[2]), proto: r.proto ?? 'tcp', label: r.to };
  const m = /^(?:svc|service)\/(?:([^:/]+)\/)?([^:/]+)(?::(.+))?$/.exec(r.to);
  if (!m) throw new TraceError(`--to must be svc/NAME[:PORT], svc/NAMESPACE/NAME[:PORT] or IP:PORT (got "${r.to}")`);
  const [, ns, name, portWanted] = m as unknown as [string, string | undefined, string, string | undefined];
  const namespace = ns ?? r.namespace;
  const svc = await r.client.get<Service>(types.services, name, namespace).catch(() => undefined);
  if (!svc) throw new TraceError(`no service "${name}" in namespace ${namespace}`);
  const ports = svc.spec.ports ?? [];
  const port = portWanted === undefined ? ports.find((p) => !r.proto || (p.protocol ?? 'TCP').toLowerCase() === r.proto) : ports.find((p) => p.name === portWanted || String(p.port) === portWanted);
  if (!port) throw new TraceError(`service ${name} has no port ${portWanted ?? (r.proto ? `for ${r.proto}` : '')} (ports: ${ports.map((p) => p.name || p.port).join(', ')})`);
  const proto = (port.protocol ?? 'TCP').toLowerCase();
  if (proto !== 'tcp' && proto !== 'udp') throw new TraceError(`lab trace sends tcp or udp, not ${proto}`);
  if (r.proto && r.proto !== proto) throw new TraceError(`port ${port.name || port.port} of service ${name} is ${proto}, not ${r.proto}`);
  const label = `svc/${ns ? `${ns}/` : ''}${name}:${port.name || port.port}`;
  if (where.kind === 'host' && (where.host === 'outside' || where.host === 'external')) {
    const lb = svc.status?.loadBalancer?.ingress?.find((i) => i.ip)?.ip;
    if (lb) return { ip: lb, port: port.port, proto, label: `${label} (load balancer ${lb})` };
    const node = r.plan.nodes[0]!;
    if (port.nodePort) return { ip: node.ip, port: port.nodePort, proto, label: `${label} (nodePort on ${node.name})` };
    throw new TraceError(`service ${name} is ${svc.spec.type ?? 'ClusterIP'}: nothing outside the cluster reaches it (trace from a pod or node, or give --to IP:PORT)`);
  }
  if (!svc.spec.clusterIP || svc.spec.clusterIP === 'None') throw new TraceError(`service ${name} has no cluster IP (headless): trace a pod's address instead`);
  return { ip: svc.spec.clusterIP, port: port.port, proto, label };
}

const ipOf = (addr: string): string => addr.replace(/:\d+$/, '');

/** The reply's first line, or its size when it is binary (a DNS answer). */
export function replyLine(body: string | undefined): string | undefined {
  if (!body) return undefined;
  return /[\x00-\x08\x0e-\x1f\ufffd]/.test(body) ? `${Buffer.byteLength(body)} bytes (binary)` : body.split('\n')[0]!.trim() || undefined;
}

/**
 * Each DNAT in the order the passes went ("10.244.2.5:8080"): the rule's own
 * address, or for a DNAT through a map (nftables-maps) the endpoint that
 * host's conntrack entry says was chosen.
 */
export function dnatTargets(result: Pick<TraceResult, 'passes' | 'conntrack'>): string[] {
  const out: string[] = [];
  for (const p of result.passes.filter((x) => x.direction === 'original'))
    for (const s of p.steps) {
      if (s.kind !== 'rule' || !/\bdnat\b|-j DNAT\b/.test(`${s.rule} ${s.iptables}`)) continue;
      const literal = /--to-destination (\S+)/.exec(s.iptables ?? '') ?? /\bdnat (?:ip )?to (\d+\.\d+\.\d+\.\d+(?::\d+)?)/.exec(s.rule ?? '');
      if (literal) out.push(literal[1]!);
      else {
        const e = result.conntrack.find((c) => c.host === p.host && (c.reply.src !== c.original.dst || c.reply.sport !== c.original.dport));
        if (e) out.push(`${e.reply.src}:${e.reply.sport}`);
      }
    }
  return out;
}

/** Where the packet was dropped or rejected, if it was. */
export function stoppedAt(result: Pick<TraceResult, 'passes'>): TraceResult['stopped'] {
  for (const p of result.passes.filter((x) => x.direction === 'original')) {
    const s = p.steps.find((x) => x.verdict === 'drop' || /\breject\b/.test(x.rule ?? ''));
    if (s) return { host: p.host, chain: s.chain, rule: s.iptables ?? s.rule ?? `policy ${s.verdict}`, verdict: /\breject\b/i.test(`${s.rule} ${s.iptables}`) ? 'reject' : 'drop', comment: s.comment };
  }
  return undefined;
}

export async function trace(r: TraceRequest): Promise<TraceResult> {
  const where = place(r.plan, r.from, r.namespace);
  const to = await target(r, where);
  let attempt: Attempt | undefined;
  let sourcePort = 0;
  const proxy: NonNullable<TraceResult['proxy']> = [];
  const hosts = [...r.plan.nodes.map((n) => n.name), 'router'];
  const session = await traceSession({
    lab: r.lab,
    hosts,
    proto: to.proto,
    probe: async (sport) => {
      sourcePort = sport;
      const send = to.proto === 'tcp' ? 'GET / HTTP/1.0\r\nUser-Agent: svclab-trace\r\n\r\n' : 'svclab trace\n';
      const ran = await runAt({ lab: r.lab, api: r.api }, where, probeArgv({ kind: to.proto, host: to.ip, port: to.port, localPort: sport, send, count: 1, timeoutMs: 3000 }), 20_000).catch((e: Error) => {
        throw new TraceError(`the probe could not start: ${e.message}`); // no such pod, not running, ...
      });
      try {
        attempt = (JSON.parse(ran.stdout) as { attempts: Attempt[] }).attempts[0];
      } catch {
        throw new TraceError(`the probe in ${where.label} failed: ${ran.stderr.trim() || ran.stdout.trim()}`);
      }
    },
    afterProbe: async (onHost) => {
      // No kernel rule picks the endpoint in these modes: show what does.
      const argv = r.plan.proxyMode === 'ipvs' ? [systemTool('ipvsadm'), '-Lnc'] : r.plan.proxyMode === 'userspace' ? [systemTool('ss'), '-Htanp'] : undefined;
      if (!argv) return;
      for (const n of r.plan.nodes) {
        const lines = (await onHost(n.name, argv)).split('\n').filter((l) => l.includes(`:${sourcePort} `));
        if (lines.length) proxy.push({ host: n.name, lines });
      }
    },
  });
  const partial = { passes: session.passes, conntrack: session.conntrack };
  const dnat = dnatTargets(partial);
  const snat = [...new Set(session.conntrack.filter((c) => c.reply.dst !== c.original.src).map((c) => c.reply.dst))];
  const result: TraceResult = {
    lab: r.lab,
    proxyMode: r.plan.proxyMode,
    from: where.label,
    to: to.label,
    proto: to.proto,
    target: { ip: to.ip, port: to.port },
    sourcePort: session.sourcePort,
    probe: { ok: attempt?.ok ?? false, error: attempt?.error, reply: replyLine(attempt?.body), ms: attempt?.ms },
    passes: session.passes,
    conntrack: session.conntrack,
    dnat,
    snat,
    stopped: stoppedAt(partial),
    proxy: proxy.length ? proxy : undefined,
  };
  // IPVS picks the real server outside nftables: its connection entry (proto expire state client virtual real) names it. Untested: no IPVS here.
  if (r.plan.proxyMode === 'ipvs') for (const p of proxy) for (const l of p.lines) dnat.push(...(/^\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+(\S+)/.exec(l.trim())?.slice(1) ?? []));
  const last = dnat.at(-1);
  const answerIP = last ? ipOf(last) : to.ip;
  if (result.probe.ok) {
    const pods = (await r.client.list<Pod>(types.pods)).items;
    const pod = pods.find((p) => p.status?.podIP === answerIP && !p.spec.hostNetwork);
    if (pod) result.answeredBy = { namespace: pod.metadata.namespace!, pod: pod.metadata.name!, ip: answerIP, port: last ? Number(last.split(':')[1]) : to.port, node: pod.spec.nodeName };
  }
  return result;
}
