// The tools' floor for `lab bench proxy`: the same backend code and the same
// rule set as the lab's agent (S services x the same 2 endpoints), alone in a
// throwaway network namespace: a full sync from empty, then one-endpoint
// partial syncs, timing only the kernel tools (nft, iptables-restore, ...)
// with exactly the input the backend gives them. What the agent adds on top
// of this is svclab's own cost.
import { performance } from 'node:perf_hooks';
import { commandRunner, type Exec } from '../agent/proxy/exec.js';
import { IptablesBackend } from '../agent/proxy/iptables/backend.js';
import { newServicePort, serviceKey, type NodeInfo, type ProxyBackend, type ServicePort } from '../agent/proxy/model.js';
import { NftablesMapsBackend } from '../agent/proxy/nftables-maps/backend.js';
import { NftablesBackend } from '../agent/proxy/nftables/backend.js';
import { run } from '../net/run.js';
import { markRunNetns, removeUnusedNetnsDirs } from '../net/netns-dirs.js';
import { percentiles, type Percentiles } from './pods.js';

/** The kernel modes, plus iptables-legacy for comparison (the lab's iptables is iptables-nft). */
const floorModes = ['iptables', 'iptables-legacy', 'nftables', 'nftables-maps'] as const;
export type FloorMode = (typeof floorModes)[number];

export interface Floor {
  mode: FloorMode;
  services: number;
  rules: number;
  fullSyncMs: number;
  partialSyncMs: Percentiles & { samples: number; raw: number[] };
}

const node: NodeInfo = { name: 'node1', ips: ['172.18.0.2'], podCIDR: '10.244.1.0/24', clusterCIDR: '10.244.0.0/16' };
const serviceIP = (i: number): string => `10.${96 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;

/** S services, each with the same two endpoints (what the lab benchmark creates). */
function floorServices(count: number): ServicePort[] {
  return Array.from({ length: count }, (_, i) =>
    newServicePort({
      namespace: 'bench-proxy',
      name: `svc-${i}`,
      portName: 'http',
      clusterIP: serviceIP(i + 1),
      endpoints: ['10.244.1.2', '10.244.1.3'].map((ip) => ({ ip, port: 8080, ready: true, serving: true, terminating: false, local: true })),
    }),
  );
}

function backend(mode: FloorMode, run: Exec): ProxyBackend {
  switch (mode) {
    case 'iptables':
      return new IptablesBackend({ run });
    case 'iptables-legacy':
      return new IptablesBackend({ run, variant: 'legacy' });
    case 'nftables':
      return new NftablesBackend({ run });
    case 'nftables-maps':
      return new NftablesMapsBackend({ run });
  }
}

/** A command runner into the namespace that adds up how long the commands themselves took. */
function timedRunner(ns: string): { run: Exec; take(): number } {
  const inner = commandRunner(['ip', 'netns', 'exec', ns]);
  let spent = 0;
  return {
    run: async (cmd, args, input) => {
      const start = performance.now();
      const r = await inner(cmd, args, input);
      spent += performance.now() - start;
      return r;
    },
    take: () => {
      const t = spent;
      spent = 0;
      return t;
    },
  };
}

export async function measureFloor(mode: FloorMode, size: number, changes = 10): Promise<Floor> {
  if (process.getuid?.() !== 0) throw new Error('the proxy floor needs root (network namespaces)');
  const ns = `svclab-floor${process.pid}`;
  await run('ip', ['netns', 'del', ns]);
  markRunNetns();
  const add = await run('ip', ['netns', 'add', ns]);
  if (add.exitCode !== 0) throw new Error(`ip netns add ${ns}: ${add.stderr.trim()}`);
  try {
    const tools = timedRunner(ns);
    const b = backend(mode, tools.run);
    const services = floorServices(size);
    const byKey = new Map(services.map((sp) => [serviceKey(sp), sp]));
    const { rulesTotal: rules } = await b.sync({ node, services, byKey });
    const fullSyncMs = tools.take();
    const samples: number[] = [];
    for (let k = 0; k < changes; k++) {
      const key = serviceKey(services[k % size]!);
      const sp = byKey.get(key)!;
      byKey.set(key, { ...sp, endpoints: [sp.endpoints[0]!, { ...sp.endpoints[1]!, ip: `10.250.${k >> 8}.${(k & 255) + 1}` }] });
      await b.sync({ node, services: [...byKey.values()], byKey, changed: new Set([key]) });
      samples.push(tools.take());
    }
    const round = (x: number): number => Math.round(x * 10) / 10;
    return { mode, services: size, rules, fullSyncMs: round(fullSyncMs), partialSyncMs: { ...percentiles(samples), samples: samples.length, raw: samples.map(round) } };
  } finally {
    await run('ip', ['netns', 'del', ns]);
    removeUnusedNetnsDirs('svclab-');
  }
}
