// host-gw routing: a route to every other node's pod CIDR via that node's IP,
// kept in sync with the Node objects (what flannel's host-gw backend does). The router of a lab
// other machines join keeps the same routes (self = '': every node).
import { run } from '../../net/run.js';
import type { Informer } from '../../client/informer.js';
import type { Node } from '../../api/types.js';

async function currentRoutes(): Promise<Map<string, string>> {
  const r = await run('ip', ['-j', 'route', 'show', 'proto', 'static']);
  const out = new Map<string, string>();
  for (const route of JSON.parse(r.stdout || '[]') as { dst: string; gateway?: string }[]) {
    if (route.gateway) out.set(route.dst, route.gateway);
  }
  return out;
}

export function startPodRoutes(nodes: Informer<Node>, self: string): void {
  let pending: NodeJS.Timeout | undefined;
  const sync = async (): Promise<void> => {
    const want = new Map<string, string>();
    for (const n of nodes.list()) {
      if (n.metadata.name === self) continue;
      const cidr = n.spec?.podCIDR;
      const ip = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
      if (cidr && ip) want.set(cidr, ip);
    }
    const have = await currentRoutes();
    const lines: string[] = [];
    for (const [cidr, via] of want) if (have.get(cidr) !== via) lines.push(`route replace ${cidr} via ${via} proto static`);
    for (const cidr of have.keys()) if (!want.has(cidr)) lines.push(`route del ${cidr} proto static`);
    if (lines.length === 0) return;
    const r = await run('ip', ['-batch', '-'], { input: lines.join('\n') + '\n' });
    if (r.exitCode !== 0) console.error(`agent: pod routes: ${r.stderr.trim()}`);
  };
  const schedule = (): void => {
    clearTimeout(pending);
    pending = setTimeout(() => void sync(), 50);
  };
  nodes.on({ add: schedule, update: schedule, delete: schedule });
}
