// The real nginx under the controller: its prefix directory, `nginx -t` before every swap,
// start, reload (SIGHUP: new workers take the new configuration, old ones finish their
// requests), and graceful stop (SIGQUIT).
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { run } from '../net/run.js';
import { poll, sleep } from '../util/poll.js';

export const NGINX = process.env.SVCLAB_NGINX ?? '/usr/sbin/nginx';

/** nginx processes left in this network namespace by an earlier run of the container (they hold the ports). */
function staleNginx(): number[] {
  const own = fs.readlinkSync('/proc/self/ns/net');
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (fs.readlinkSync(`/proc/${entry}/ns/net`) === own && fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'nginx') pids.push(Number(entry));
    } catch {
      /* gone, or not ours to read */
    }
  }
  return pids;
}

/** Resolves once every port can be bound here (or after timeoutMs: nginx will then say what holds them). */
export async function portsFree(ports: number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const free = (port: number): Promise<boolean> =>
    new Promise<boolean>((resolve) => {
      const probe = net.createServer();
      probe.once('error', () => resolve(false));
      probe.listen({ port, host: '0.0.0.0', exclusive: true }, () => probe.close(() => resolve(true)));
    });
  for (const port of ports) await poll(() => free(port), { timeoutMs: Math.max(0, deadline - Date.now()), everyMs: 100 });
}

export class NginxProcess {
  readonly dir: string;
  private child?: ChildProcess;
  private applied = '';
  onExit?: (code: number | null) => void;

  /** `base`: where the prefix directory goes (the lab's state dir on the netns runtime); else the temp dir. */
  constructor(base?: string, name = os.hostname()) {
    const parent = base && fs.existsSync(path.dirname(base)) ? base : path.join(os.tmpdir(), 'svclab-ingress-nginx');
    // One directory per pod (the hostname), reused by a restarted container.
    this.dir = path.join(parent, name);
    fs.rmSync(this.dir, { recursive: true, force: true });
    fs.mkdirSync(path.join(this.dir, 'certs'), { recursive: true, mode: 0o700 });
    // Workers run as nobody and buffer large bodies here.
    fs.mkdirSync(path.join(this.dir, 'tmp'), { recursive: true });
    fs.chmodSync(path.join(this.dir, 'tmp'), 0o1777);
  }

  /** Kills the nginx processes an earlier run of this container left in its network namespace (only ever called inside the pod). */
  killStale(): void {
    for (const pid of staleNginx()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null;
  }

  /**
   * Tests the configuration with the certificates it names, then makes it the running one.
   * Returns false (and changes nothing that runs) when nginx refuses it.
   */
  async apply(config: string, certificates: Map<string, string>): Promise<{ changed: boolean; error?: string }> {
    const hash = crypto.createHash('sha256').update(config);
    for (const [name, pem] of [...certificates].sort()) hash.update(name).update(pem);
    const digest = hash.digest('hex');
    if (digest === this.applied && this.running) return { changed: false };
    // Certificates by content, so the running configuration's files never change under it.
    const certDir = path.join(this.dir, 'certs');
    const staged = path.join(this.dir, 'nginx.conf.new');
    let text = config;
    const keep = new Set<string>();
    for (const [name, pem] of certificates) {
      const file = `${name}-${crypto.createHash('sha256').update(pem).digest('hex').slice(0, 12)}`;
      fs.writeFileSync(path.join(certDir, `${file}.pem`), pem, { mode: 0o600 });
      keep.add(`${file}.pem`);
      text = text.replaceAll(`certs/${name}.pem;`, `certs/${file}.pem;`);
    }
    fs.writeFileSync(staged, text);
    const test = await run(NGINX, ['-t', '-q', '-e', 'stderr', '-p', `${this.dir}/`, '-c', staged], { timeoutMs: 20_000 });
    if (test.exitCode !== 0) return { changed: false, error: (test.stderr || test.stdout).trim() };
    fs.renameSync(staged, path.join(this.dir, 'nginx.conf'));
    if (this.running) process.kill(this.child!.pid!, 'SIGHUP');
    else this.start();
    this.applied = digest;
    for (const f of fs.readdirSync(certDir)) if (!keep.has(f)) fs.rmSync(path.join(certDir, f), { force: true });
    return { changed: true };
  }

  private start(): void {
    this.child = spawn(NGINX, ['-e', 'stderr', '-p', `${this.dir}/`, '-c', path.join(this.dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'inherit', 'inherit'] });
    this.child.on('exit', (code) => this.onExit?.(code));
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGQUIT');
      await Promise.race([gone, sleep(3000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
