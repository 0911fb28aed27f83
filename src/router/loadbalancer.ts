// The lab's "cloud" LoadBalancer controller: gives LoadBalancer Services an
// address from the pool (status.loadBalancer.ingress), owns those addresses on
// the router's outside interface, and keeps the DNAT rules in step with
// Services, ready nodes and (for externalTrafficPolicy Local) local endpoints.
import { isReady } from '../api/conditions.js';
import { types } from '../api/resources.js';
import type { EndpointSlice, Node, Service } from '../api/types.js';
import type { ApiClient } from '../client/client.js';
import type { EventRecorder } from '../client/events.js';
import type { Informer } from '../client/informer.js';
import { run } from '../net/run.js';
import type { LbPool } from './lb-pool.js';
import { baseRules, lbRules, type LbTarget } from './lb-rules.js';

export interface LbInformers {
  services: Informer<Service>;
  nodes: Informer<Node>;
  slices: Informer<EndpointSlice>;
}

const keyOf = (s: Service): string => `${s.metadata.namespace}/${s.metadata.name}`;
const isLb = (s: Service): boolean => s.spec.type === 'LoadBalancer' && !s.spec.loadBalancerClass;

function internalIP(n: Node): string | undefined {
  return n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
}

function lbTargets(services: Service[], nodes: Node[], slices: EndpointSlice[]): LbTarget[] {
  const ready = nodes.filter(isReady);
  const out: LbTarget[] = [];
  for (const svc of services.filter(isLb)) {
    const ip = svc.status?.loadBalancer?.ingress?.[0]?.ip;
    if (!ip) continue;
    let eligible = ready;
    if (svc.spec.externalTrafficPolicy === 'Local') {
      const local = new Set(
        slices
          .filter((s) => s.metadata.namespace === svc.metadata.namespace && s.metadata.labels?.['kubernetes.io/service-name'] === svc.metadata.name)
          .flatMap((s) => s.endpoints.filter((e) => e.conditions?.ready !== false && e.nodeName).map((e) => e.nodeName!)),
      );
      eligible = ready.filter((n) => local.has(n.metadata.name!));
    }
    const nodeIPs = eligible.map(internalIP).filter((x): x is string => !!x).sort();
    for (const p of svc.spec.ports ?? []) {
      if (!p.nodePort) continue;
      out.push({ ip, port: p.port, protocol: p.protocol ?? 'TCP', nodePort: p.nodePort, nodes: nodeIPs, sourceRanges: svc.spec.loadBalancerSourceRanges ?? [], service: `${keyOf(svc)}${p.name ? `:${p.name}` : ''}` });
    }
  }
  return out;
}

export interface LoadBalancerOptions {
  pool?: LbPool;
  outsideDev: string;
  events: EventRecorder;
}

export async function startLoadBalancer(client: ApiClient, inf: LbInformers, o: LoadBalancerOptions): Promise<() => void> {
  for (const [table, chain, jump] of [
    ['nat', 'PREROUTING', 'SVCLAB-LB'],
    ['filter', 'INPUT', 'SVCLAB-LB-FW'],
  ] as const) {
    if ((await run('iptables', ['-t', table, '-C', chain, '-j', jump])).exitCode === 0) continue;
    const r = await run('iptables-restore', ['--noflush'], { input: baseRules });
    if (r.exitCode !== 0) throw new Error(`router: iptables-restore: ${r.stderr.trim()}`);
    break;
  }
  // After a restart: the addresses already in Services' status stay theirs.
  for (const svc of inf.services.list().filter(isLb)) {
    const ip = svc.status?.loadBalancer?.ingress?.[0]?.ip;
    if (ip && o.pool) o.pool.adopt(keyOf(svc), ip);
  }
  let lastRules = '';
  const syncAddresses = async (): Promise<void> => {
    if (!o.pool) return;
    const r = await run('ip', ['-j', 'addr', 'show', 'dev', o.outsideDev]);
    const have = new Set<string>();
    for (const link of JSON.parse(r.stdout || '[]') as { addr_info: { local: string; prefixlen: number }[] }[]) {
      for (const a of link.addr_info) if (a.prefixlen === 32 && o.pool.contains(a.local)) have.add(a.local);
    }
    const want = new Set(o.pool.assigned().keys());
    const lines = [...[...want].filter((ip) => !have.has(ip)).map((ip) => `addr add ${ip}/32 dev ${o.outsideDev}`), ...[...have].filter((ip) => !want.has(ip)).map((ip) => `addr del ${ip}/32 dev ${o.outsideDev}`)];
    if (lines.length) await run('ip', ['-batch', '-'], { input: lines.join('\n') + '\n' });
  };
  const syncStatus = async (): Promise<void> => {
    const live = new Set(inf.services.list().map(keyOf));
    for (const key of o.pool?.assigned().values() ?? []) if (!live.has(key)) o.pool!.release(key);
    for (const svc of inf.services.list()) {
      const key = keyOf(svc);
      const current = svc.status?.loadBalancer?.ingress ?? [];
      if (!isLb(svc) || !o.pool) {
        o.pool?.release(key);
        if (current.length && !isLb(svc)) {
          // null deletes under merge-patch rules; an empty object would change nothing.
          await client.patch(types.services, svc.metadata.name!, { status: { loadBalancer: { ingress: null } } }, svc.metadata.namespace, 'status');
          o.events.event(svc, 'Normal', 'DeletedLoadBalancer', 'Deleted load balancer');
        }
        continue;
      }
      const ip = o.pool.assign(key, svc.spec.loadBalancerIP || undefined);
      if (!ip) {
        const why = svc.spec.loadBalancerIP ? `requested IP ${svc.spec.loadBalancerIP} is not free in the pool` : 'no free address left in the pool';
        o.events.event(svc, 'Warning', 'SyncLoadBalancerFailed', `Error syncing load balancer: failed to ensure load balancer: ${why}`);
        continue;
      }
      if (current.length === 1 && current[0]!.ip === ip) continue;
      o.events.event(svc, 'Normal', 'EnsuringLoadBalancer', 'Ensuring load balancer');
      await client.patch(types.services, svc.metadata.name!, { status: { loadBalancer: { ingress: [{ ip, ipMode: 'VIP' }] } } }, svc.metadata.namespace, 'status');
      o.events.event(svc, 'Normal', 'EnsuredLoadBalancer', 'Ensured load balancer');
    }
  };
  const syncRules = async (): Promise<void> => {
    const rules = lbRules(lbTargets(inf.services.list(), inf.nodes.list(), inf.slices.list()));
    if (rules === lastRules) return;
    const r = await run('iptables-restore', ['--noflush'], { input: rules });
    if (r.exitCode !== 0) throw new Error(`iptables-restore: ${r.stderr.trim()}`);
    lastRules = rules;
  };
  let timer: NodeJS.Timeout | undefined;
  let running = Promise.resolve();
  const schedule = (): void => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      running = running
        .then(syncStatus)
        .then(syncAddresses)
        .then(syncRules)
        .catch((e) => {
          console.error(`loadbalancer: ${(e as Error).message}`);
          setTimeout(schedule, 1000);
        });
    }, 10);
  };
  for (const i of [inf.services, inf.nodes, inf.slices] as Informer<never>[]) i.on({ add: schedule, update: schedule, delete: schedule });
  schedule();
  const resync = setInterval(schedule, 30_000);
  return () => {
    clearTimeout(timer);
    clearInterval(resync);
  };
}
