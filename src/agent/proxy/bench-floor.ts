// How long the kernel side of a sync takes, with nothing else running: in a
// throwaway network namespace, load S services x 2 endpoints with each backend
// (a full sync), then change one endpoint of one service (a partial sync).
// Usage (root): node dist/src/agent/proxy/bench-floor.js [--sizes 100,1000,10000] [--modes iptables,iptables-legacy,nftables]
// (iptables = the system's default iptables-restore, iptables-nft here).
import { performance } from 'node:perf_hooks';
import { run } from '../../net/run.js';
import { IptablesBackend } from './iptables/backend.js';
import { renderIptables } from './iptables/render.js';
import { newServicePort, serviceKey, type NodeInfo, type ProxyBackend, type ServicePort } from './model.js';
import { NftablesBackend } from './nftables/backend.js';
import { NftablesRules } from './nftables/render.js';

const node: NodeInfo = { name: 'bench', ips: ['172.18.0.2'], podCIDR: '10.244.1.0/24', clusterCIDR: '10.244.0.0/16' };

function services(count: number): ServicePort[] {
  const ip = (base: number, i: number): string => `10.${base + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
  return Array.from({ length: count }, (_, i) =>
    newServicePort({
      namespace: 'bench',
      name: `svc${i}`,
      portName: 'http',
      clusterIP: ip(96, i + 1),
      endpoints: [0, 1].map((j) => ({ ip: ip(244, 2 * i + j + 1), port: 8080, ready: true, serving: true, terminating: false, local: false })),
    }),
  );
}

/** Generation alone, in-process, as a full sync does it. */
function renderMs(mode: string, svcs: ServicePort[]): number {
  const start = performance.now();
  if (mode.startsWith('iptables')) renderIptables({ node, services: svcs, existingChains: [] });
  else new NftablesRules().build({ node, services: svcs }, { full: true, now: 0, staleChainDelayMs: 1000 });
  return performance.now() - start;
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const start = performance.now();
  const value = await fn();
  return [performance.now() - start, value];
}

async function measure(mode: string, size: number, ns: string): Promise<string> {
  const svcs = services(size);
  const exec = ['ip', 'netns', 'exec', ns];
  const backend: ProxyBackend =
    mode === 'nftables' ? new NftablesBackend({ exec }) : new IptablesBackend({ exec, ...(mode === 'iptables-legacy' ? { variant: 'legacy' as const } : {}) });
  const generate = renderMs(mode, svcs);
  const [full, result] = await timed(() => backend.sync({ node, services: svcs }));
  const changed = { ...svcs[0]!, endpoints: [svcs[0]!.endpoints[0]!, { ...svcs[0]!.endpoints[1]!, ip: '10.250.0.1' }] };
  const [partial, partialResult] = await timed(() => backend.sync({ node, services: [changed, ...svcs.slice(1)], changed: new Set([serviceKey(changed)]) }));
  const ms = (n: number): string => `${(n / 1000).toFixed(3)} s`.padStart(10);
  return `${mode.padEnd(15)} ${String(size).padStart(6)} ${String(result.rulesTotal).padStart(8)} ${ms(generate)} ${ms(full)} ${ms(partial)} ${String(partialResult.rulesWritten).padStart(8)}`;
}

async function main(): Promise<void> {
  const arg = (name: string, fallback: string): string => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1]! : fallback;
  };
  const sizes = arg('sizes', '100,1000,10000').split(',').map(Number);
  const modes = arg('modes', 'iptables,iptables-legacy,nftables').split(',');
  if (process.getuid?.() !== 0) throw new Error('bench-floor needs root (network namespaces)');

  const namespaces: string[] = [];
  const removeAll = (): Promise<unknown> => Promise.all(namespaces.map((ns) => run('ip', ['netns', 'del', ns])));
  process.once('SIGINT', () => void removeAll().then(() => process.exit(130)));
  console.log('mode              size    rules   generate  full sync  1-ep sync  written');
  try {
    for (const mode of modes) {
      for (const size of sizes) {
        const ns = `svclab-pxt${process.pid}-${namespaces.length}`;
        namespaces.push(ns);
        const add = await run('ip', ['netns', 'add', ns]);
        if (add.exitCode !== 0) throw new Error(add.stderr);
        console.log(await measure(mode, size, ns));
        await run('ip', ['netns', 'del', ns]);
      }
    }
  } finally {
    await removeAll();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
