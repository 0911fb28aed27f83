// The netns container runtime: a pod is a named network namespace; each
// container is a process under a shim, in that namespace with its own UTS
// namespace and the pod's /etc files (`ip netns exec` bind-mounts them).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ip, netnsPids } from '../../../net/ip.js';
import { systemTool } from '../../../net/tools.js';
import type { Adopted, ContainerHandle, ContainerRequest, Mount, PodRuntime } from './cri.js';
import { ContainerProcess, withTerminal } from './process.js';
import type { SandboxRecord, Sandboxes } from './sandbox.js';

/**
 * The container's mounts, made in the mount namespace `ip netns exec` gives it (its root is a
 * slave of the host's: nothing propagates back). Paths come as the sh step's $2, $3...; each
 * target must exist on the node (the netns runtime's image is the host).
 */
export function bindMounts(mounts: Mount[]): { script: string; args: string[] } {
  const mount = systemTool('mount');
  let script = '';
  mounts.forEach((m, i) => {
    const [from, to] = [`"\${${2 + 2 * i}}"`, `"\${${3 + 2 * i}}"`];
    script += `${mount} --bind ${from} ${to} && `;
    if (m.readOnly) script += `${mount} -o remount,bind,ro ${to} && `;
  });
  return { script, args: mounts.flatMap((m) => [m.hostPath, m.containerPath]) };
}

export class NetnsPodRuntime implements PodRuntime {
  readonly name = 'netns';

  constructor(readonly sandboxes: Sandboxes) {}

  async createSandbox(pod: { uid: string; namespace: string; name: string }): Promise<SandboxRecord> {
    const rec = this.sandboxes.reserve(pod.uid, pod.namespace, pod.name);
    await ip(['netns', 'add', rec.netns]);
    await this.sandboxes.wire(rec);
    return rec;
  }

  writeEtc(rec: SandboxRecord, files: Record<string, string>): void {
    const etc = `/etc/netns/${rec.netns}`;
    fs.mkdirSync(etc, { recursive: true });
    for (const [file, content] of Object.entries(files)) fs.writeFileSync(path.join(etc, file), content);
  }

  async destroySandbox(rec: SandboxRecord): Promise<void> {
    for (const pid of await netnsPids(rec.netns).catch(() => [])) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await this.sandboxes.release(rec);
    await ip(['netns', 'del', rec.netns]).catch(() => undefined);
    fs.rmSync(`/etc/netns/${rec.netns}`, { recursive: true, force: true });
  }

  private containerDir(uid: string, name: string): string {
    return path.join(this.sandboxes.podDir(uid), 'containers', name);
  }

  private handle(rec: SandboxRecord, name: string, restart: number): { id: string; dir: string; log: string } {
    const dir = this.containerDir(rec.uid, name);
    const id = `svclab://${crypto.createHash('sha256').update(`${rec.uid}/${name}/${restart}`).digest('hex')}`;
    return { id, dir: path.join(dir, String(restart)), log: path.join(dir, `${restart}.log`) };
  }

  startContainer(rec: SandboxRecord, req: ContainerRequest): Promise<ContainerHandle> {
    const h = this.handle(rec, req.name, req.restart);
    // Own UTS namespace (the pod's hostname) inside the pod's netns, with its /etc files.
    const program = req.tty ? withTerminal(req.argv) : req.argv;
    // The host's tools by path: the container's PATH may lead elsewhere (busybox's applets).
    const m = bindMounts(req.mounts ?? []);
    const argv = [systemTool('ip'), 'netns', 'exec', rec.netns, systemTool('unshare'), '--uts', '--', '/bin/sh', '-c', `${systemTool('hostname')} "$1" && ${m.script}shift ${1 + m.args.length} && exec "$@"`, 'sh', req.hostname, ...m.args, ...program];
    const env = req.tty ? { TERM: 'xterm', ...req.env } : req.env;
    return ContainerProcess.start(h.id, h.dir, h.log, argv, env, program, req);
  }

  async adoptContainer(rec: SandboxRecord, name: string): Promise<Adopted | undefined> {
    const dir = this.containerDir(rec.uid, name);
    const generations = fs.existsSync(dir) ? fs.readdirSync(dir).filter((d) => /^\d+$/.test(d)).map(Number).sort((a, b) => b - a) : [];
    if (generations.length === 0) return undefined;
    const restart = generations[0]!;
    const h = this.handle(rec, name, restart);
    const handle = ContainerProcess.adopt(h.id, h.dir, h.log);
    if (!handle) return undefined;
    const p = restart > 0 ? this.handle(rec, name, restart - 1) : undefined;
    const previous = p && ContainerProcess.adopt(p.id, p.dir, p.log);
    return { handle, restart, startedAt: fs.statSync(h.dir).mtime, previous };
  }
}
