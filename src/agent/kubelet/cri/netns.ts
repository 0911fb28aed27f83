// The netns container runtime: a pod is a named network namespace; each
// container is a process under a shim, in that namespace with its own UTS
// namespace and the pod's /etc files (`ip netns exec` bind-mounts them), in a
// sandbox (rootfs.ts, security.ts) unless privileged.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ip, netnsPids } from '../../../net/ip.js';
import { etcNetnsDir } from '../../../net/netns-dirs.js';
import { run } from '../../../net/run.js';
import { systemTool } from '../../../net/tools.js';
import { poll } from '../../../util/poll.js';
import type { Adopted, ContainerHandle, ContainerRequest, Mount, PodRuntime } from './cri.js';
import { quote } from './exec.js';
import { ContainerProcess, withTerminal } from './process.js';
import { checkoutDir } from '../catalogue.js';
import { containerArgv, hostMounts, prepareSandbox } from './rootfs.js';
import type { SandboxRecord, Sandboxes } from './sandbox.js';
import { setprivArgs } from './security.js';

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
    // Docker's per-container sysctls: ping without CAP_NET_RAW, low ports without NET_BIND_SERVICE.
    const r = await run('ip', ['netns', 'exec', rec.netns, 'sysctl', '-q', '-w', 'net.ipv4.ping_group_range=0 2147483647', 'net.ipv4.ip_unprivileged_port_start=0']);
    if (r.exitCode !== 0) throw new Error(`pod sysctls: ${r.stderr.trim()}`);
    await this.sandboxes.wire(rec);
    return rec;
  }

  writeEtc(rec: SandboxRecord, files: Record<string, string>): void {
    const etc = etcNetnsDir(rec.netns);
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
    const [tool, ...privs] = setprivArgs(req.security);
    const setpriv = tool ? [systemTool(tool), ...privs] : [];
    const privileged = req.security.privileged;
    // Privileged: the node's own tree, its mounts bound over existing paths in the namespace `ip netns exec` made;
    // a mount point the node lacks cannot be made there (nothing is created on the host's file system).
    const existing = (req.mounts ?? []).filter((m) => fs.existsSync(m.containerPath));
    const c = containerArgv({ hostname: req.hostname, dir: h.dir, privileged, setpriv, argv: program, privilegedMounts: bindMounts(existing) });
    const prepare = privileged ? undefined : (dir: string): void => prepareSandbox({ dir, podEtc: `/etc/netns/${rec.netns}`, keep: [checkoutDir], mounts: req.mounts ?? [], host: hostMounts() });
    // The sandbox always gets to tini (or exits): worth waiting for on a busy node, an exec must not enter it half-built.
    const startTimeoutMs = privileged ? 3000 : 30_000;
    const env = req.tty ? { TERM: 'xterm', ...req.env } : req.env;
    // The host's tools by path: the container's PATH may lead elsewhere (busybox's applets).
    return ContainerProcess.start(h.id, h.dir, h.log, [systemTool('ip'), 'netns', 'exec', rec.netns, ...c.argv], env, c.runs, { io: req, enter: setpriv, startTimeoutMs, prepare });
  }

  async adoptContainer(rec: SandboxRecord, name: string): Promise<Adopted | undefined> {
    const dir = this.containerDir(rec.uid, name);
    const generations = fs.existsSync(dir) ? fs.readdirSync(dir).filter((d) => /^\d+$/.test(d)).map(Number).sort((a, b) => b - a) : [];
    for (const [i, restart] of generations.entries()) {
      const h = this.handle(rec, name, restart);
      // The newest may be a run the previous agent was starting when it went: its shim may still be writing the pid.
      if (i === 0) await poll(() => fs.existsSync(path.join(h.dir, 'pid')), { timeoutMs: 2000, everyMs: 20 });
      const handle = ContainerProcess.adopt(h.id, h.dir, h.log);
      // Never started: the run before it is adopted (ended, so it is restarted once, into this number), never an older number reused.
      if (!handle) continue;
      const p = restart > 0 ? this.handle(rec, name, restart - 1) : undefined;
      const previous = p && ContainerProcess.adopt(p.id, p.dir, p.log);
      return { handle, restart, startedAt: fs.statSync(h.dir).mtime, previous };
    }
    return undefined;
  }
}
