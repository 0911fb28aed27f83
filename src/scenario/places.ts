// Places a scenario acts from: pods (through the API's exec, like kubectl exec)
// and the lab's hosts (node1.., outside, external, router: straight into their
// network namespace).
import { execa } from 'execa';
import type { Pod } from '../api/types.js';
import { exec } from '../client/exec.js';
import { hostArgv } from '../lab/hosts.js';
import type { Ctx } from './context.js';
import type { Place } from './model.js';
import { selectObjects } from './templates.js';

export type Where = { kind: 'pod'; namespace: string; name: string; container?: string; label: string } | { kind: 'host'; host: string; label: string };

export interface Ran {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const hosts = ['outside', 'external', 'router'];

function podReady(p: Pod): boolean {
  return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** The first Ready pod (by name) matching a selector, else the first running one. */
async function podBySelector(ctx: Ctx, selector: string, namespace = ctx.namespace): Promise<Pod> {
  const pods = (await selectObjects(ctx, 'pods', selector, namespace)) as Pod[];
  const pod = pods.find(podReady) ?? pods.find((p) => p.status?.phase === 'Running');
  if (!pod) throw new Error(`no running pod matches ${selector} in namespace ${namespace} (found ${pods.length})`);
  return pod;
}

/** A place with a container chosen (only pods have containers). */
export function withContainer(place: Place, container: string | undefined): Place {
  if (!container) return place;
  return typeof place === 'string' ? { pod: place.replace(/^pod\//, ''), container } : { ...place, container };
}

export async function resolvePlace(ctx: Ctx, place: Place): Promise<Where> {
  if (typeof place === 'string') {
    if (hosts.includes(place)) return { kind: 'host', host: place, label: place };
    if (place.startsWith('node/')) return { kind: 'host', host: place.slice(5), label: place };
    const name = place.replace(/^pod\//, '');
    return { kind: 'pod', namespace: ctx.namespace, name, label: `pod/${name}` };
  }
  if (place.host) return { kind: 'host', host: place.host, label: place.host };
  if (place.node) return { kind: 'host', host: place.node, label: `node/${place.node}` };
  const namespace = place.namespace ?? ctx.namespace;
  const name = place.pod ?? (await podBySelector(ctx, place.selector ?? '', namespace)).metadata.name!;
  const ns = namespace === 'default' ? '' : `${namespace}/`;
  return { kind: 'pod', namespace, name, container: place.container, label: `pod/${ns}${name}${place.selector ? ` (${place.selector})` : ''}` };
}

export async function runAt(ctx: Ctx, where: Where, argv: string[], timeoutMs: number): Promise<Ran> {
  if (where.kind === 'host') {
    const [cmd, ...args] = hostArgv(ctx.lab, where.host, argv);
    const r = await execa(cmd!, args, { reject: false, timeout: timeoutMs, cancelSignal: ctx.signal, stripFinalNewline: false });
    return { exitCode: r.timedOut ? 124 : (r.exitCode ?? 1), stdout: String(r.stdout ?? ''), stderr: r.timedOut ? `timed out after ${timeoutMs} ms` : String(r.stderr ?? '') };
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`exec in ${where.label} timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const r = await Promise.race([exec({ server: ctx.server, namespace: where.namespace, pod: where.name, container: where.container, command: argv }), timeout]);
    if (r.error) throw new Error(`exec in ${where.label}: ${r.error}`);
    return r;
  } finally {
    clearTimeout(timer);
  }
}
