// The netns container runtime: a pod is a named network namespace; each
// container is a process under a shim, in that namespace with its own UTS
// namespace and the pod's /etc files (`ip netns exec` bind-mounts them).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ip, netnsPids } from '../../../net/ip.js';
import { systemTool } from '../../../net/tools.js';
import type { Adopted, ContainerHandle, ContainerRequest, Mount, PodRuntime } from './cri.js';
import { quote } from './exec.js';
import { ContainerProcess, withTerminal } from './process.js';
import type { SandboxRecord, Sandboxes } from './sandbox.js';

/**
 * The container's mounts as sh steps, each ending in `&& `: bind mounts in the mount namespace
 * `ip netns exec` gives it (its root is a slave of the host's: nothing propagates back), each
 * target existing on the node (the netns runtime's image is the host). `root`: an sh expression
 * put before each target, for a container whose new root is still to be entered.
 */
export function bindMounts(mounts: Mount[], root = ''): string {
  const mount = systemTool('mount');
  return mounts
    .map((m) => {
      const to = `${root}${quote([m.containerPath])}`;
      return `${mount} --bind ${quote([m.hostPath])} ${to} && ${m.readOnly ? `${mount} -o remount,bind,ro ${to} && ` : ''}`;
    })
    .join('');
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
    // The root is the host's: a mount point it lacks cannot be made (nothing is created on the host's
    // filesystem), so such mounts (the projected ServiceAccount token) wait for the pod sandbox's own root.
    const mounts = (req.mounts ?? []).filter((m) => fs.existsSync(m.containerPath));
    const argv = [systemTool('ip'), 'netns', 'exec', rec.netns, systemTool('unshare'), '--uts', '--', '/bin/sh', '-c', `${systemTool('hostname')} "$1" && ${bindMounts(mounts)}shift && exec "$@"`, 'sh', req.hostname, ...program];
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
