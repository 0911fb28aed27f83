// When traffic fails: the services it was probably aimed at, their endpoints
// and pods, and the lines of each node's rules that mention them.
import { isReady } from '../api/conditions.js';
import { types } from '../api/resources.js';
import { selectorFromMap, selectorToString } from '../api/labels.js';
import type { Endpoints, Pod, Service } from '../api/types.js';
import type { Ctx } from './context.js';
import { dumpRules, serviceMarker } from './steps/rules.js';

function targetOf(target: string): { host: string; port?: number } {
  try {
    const u = new URL(target);
    return { host: u.hostname, port: u.port ? Number(u.port) : u.protocol === 'http:' ? 80 : undefined };
  } catch {
    const i = target.lastIndexOf(':');
    return i > 0 ? { host: target.slice(0, i), port: Number(target.slice(i + 1)) } : { host: target };
  }
}

/** Services the target names: by cluster IP, LoadBalancer IP, DNS name, or node IP + nodePort. */
export function relevantServices(services: Service[], nodeIPs: string[], target: string): Service[] {
  const { host, port } = targetOf(target);
  const labels = host.split('.');
  const hits = services.filter((s) => {
    if (s.spec.clusterIP === host) return true;
    if (s.status?.loadBalancer?.ingress?.some((i) => i.ip === host)) return true;
    if (nodeIPs.includes(host)) return s.spec.ports?.some((p) => p.nodePort === port) ?? false;
    if (labels[0] === s.metadata.name) return labels.length === 1 || labels[1] === s.metadata.namespace || labels[1] === 'svc';
    return false;
  });
  return hits.length > 0 ? hits : services.filter((s) => !(s.metadata.namespace === 'default' && s.metadata.name === 'kubernetes') && s.metadata.namespace !== 'kube-system');
}

function endpointsLine(s: Service, ep: Endpoints | undefined, pods: Pod[]): string {
  const who = (ip: string): string => pods.find((p) => p.status?.podIP === ip)?.metadata.name ?? 'not a pod';
  const list = (key: 'addresses' | 'notReadyAddresses'): string[] =>
    (ep?.subsets ?? []).flatMap((sub) => (sub[key] ?? []).flatMap((a) => (sub.ports ?? [{ port: 0 }]).map((p) => `${a.ip}:${p.port} (${who(a.ip)}${a.nodeName ? ` on ${a.nodeName}` : ''})`)));
  const ready = list('addresses');
  const notReady = list('notReadyAddresses');
  const id = `${s.metadata.namespace}/${s.metadata.name}`;
  if (!ep) return `endpoints ${id}: no Endpoints object (type ${s.spec.type ?? 'ClusterIP'}, cluster IP ${s.spec.clusterIP ?? 'none'})`;
  return `endpoints ${id} (cluster IP ${s.spec.clusterIP ?? 'none'}): ready ${ready.join(', ') || 'none'}${notReady.length ? `; not ready ${notReady.join(', ')}` : ''}`;
}

export async function diagnose(ctx: Ctx, target: string): Promise<string[]> {
  const out: string[] = [];
  try {
    const services = (await ctx.client.list<Service>(types.services)).items;
    const nodeIPs = ctx.plan.nodes.map((n) => n.ip);
    const chosen = relevantServices(services, nodeIPs, target).slice(0, 4);
    const markers: RegExp[] = [];
    for (const s of chosen) {
      const ns = s.metadata.namespace!;
      const ep = await ctx.client.get<Endpoints>(types.endpoints, s.metadata.name!, ns).catch(() => undefined);
      const pods = s.spec.selector ? (await ctx.client.list<Pod>(types.pods, ns, { labelSelector: selectorToString(selectorFromMap(s.spec.selector)) })).items : [];
      out.push(endpointsLine(s, ep, pods));
      for (const p of pods) {
        const ready = isReady(p);
        out.push(`  pod ${p.metadata.name} ${p.status?.podIP ?? '-'} on ${p.spec.nodeName ?? '-'}: ${p.status?.phase ?? 'Pending'}${ready ? ', Ready' : ', not Ready'}${p.metadata.deletionTimestamp ? ', terminating' : ''}`);
      }
      markers.push(serviceMarker(ctx.plan.proxyMode, ns, s.metadata.name!));
      if (s.spec.clusterIP && s.spec.clusterIP !== 'None') markers.push(new RegExp(`\\b${s.spec.clusterIP.replace(/\./g, '\\.')}\\b`));
    }
    for (const n of ctx.plan.nodes) {
      const lines = (await dumpRules(ctx, n.name)).split('\n').filter((l) => markers.some((m) => m.test(l)));
      out.push(`rules on ${n.name} (${ctx.plan.proxyMode}): ${lines.length ? '' : 'none mention these services'}`);
      out.push(...lines.slice(0, 25).map((l) => `  ${l.trim()}`));
      if (lines.length > 25) out.push(`  … ${lines.length - 25} more`);
    }
  } catch (e) {
    out.push(`(diagnostics incomplete: ${(e as Error).message})`);
  }
  return out;
}
