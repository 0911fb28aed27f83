// Container processes. Each runs under a small sh "shim" (containerd-shim's idea,
// at ~1 MB instead of a Node process): the shim starts the container in its own
// session and process group, records its pid, waits for it and records the exit
// code. Shims outlive the agent, so a restarted agent adopts running containers
// instead of killing them.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { poll } from '../../../util/poll.js';
import type { Attached, AttachOptions, ContainerHandle, ExitInfo, LogReader } from './cri.js';
import { quote, spawnExec, type ExecOptions, type ExecProcess } from './exec.js';
import { systemTool } from '../../../net/tools.js';
import { fileLogs } from './logs.js';

const shim = [
  'dir=$1; log=$2; in=$3; shift 3',
  'setsid "$@" >>"$log" 2>&1 <"$in" &',
  'pid=$!',
  'echo $pid >"$dir/pid.tmp" && mv "$dir/pid.tmp" "$dir/pid"',
  'wait $pid',
  'echo $? >"$dir/exit.tmp" && mv "$dir/exit.tmp" "$dir/exit"',
].join('\n');

const ENV_FILE = 'env.json';
const STOP_SIGNAL_FILE = 'stop-signal';

/** The environment of a process, from /proc (exec inherits the container's variables). */
function processEnv(environFile: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const kv of fs.readFileSync(environFile, 'utf8').split('\0')) {
    const i = kv.indexOf('=');
    if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return env;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface ContainerIO {
  stdin: boolean;
  stdinOnce: boolean;
  tty: boolean;
  stopSignal?: NodeJS.Signals;
}

/** script(1) gives the container a pseudo-terminal (tty: true); what it prints goes to the log. */
export function withTerminal(argv: string[]): string[] {
  return [systemTool('script'), '-qfec', quote(argv), '/dev/null'];
}

/** One run (one restart generation) of one container, as a process on this node. */
export class ContainerProcess implements ContainerHandle {
  pid?: number;
  /** The write end of the container's stdin (a FIFO), held by this agent; closed by a stdinOnce attach. */
  private stdinFd?: number;
  private io: ContainerIO = { stdin: false, stdinOnce: false, tty: false };
  private attached = false;
  private exited?: ExitInfo;
  private readonly waiters: ((e: ExitInfo) => void)[] = [];
  private poll?: NodeJS.Timeout;
  /** The shim of a container this agent started (an adopted one's is found through /proc). */
  private shimPid?: number;

  private constructor(
    readonly id: string,
    readonly dir: string,
    readonly logFile: string,
  ) {}

  /**
   * Starts argv with env under a shim; resolves once the container's own program runs: argv is a
   * chain of execs (setsid, ip netns exec, unshare, the hostname step) ending in `program`, and
   * until it gets there an exec into the process would still see the node's hostname.
   */
  static async start(id: string, dir: string, logFile: string, argv: string[], env: Record<string, string>, program: string[] = argv, io?: ContainerIO): Promise<ContainerProcess> {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const p = new ContainerProcess(id, dir, logFile);
    let stdin = '/dev/null';
    if (io?.stdin) {
      // Opened read-write first, so the shim's read-only open does not wait for a writer.
      stdin = path.join(dir, 'stdin');
      const r = spawnSync('mkfifo', ['-m', '600', stdin]);
      if (r.status !== 0) throw new Error(`creating the container's stdin: ${r.stderr.toString().trim()}`);
      p.stdinFd = fs.openSync(stdin, fs.constants.O_RDWR);
    }
    if (io) p.io = io;
    // Kept for exec: a program may write over its /proc environ (nginx's process titles).
    fs.writeFileSync(path.join(dir, ENV_FILE), JSON.stringify(env), { mode: 0o600 });
    if (io?.stopSignal) fs.writeFileSync(path.join(dir, STOP_SIGNAL_FILE), io.stopSignal);
    const child = spawn('/bin/sh', ['-c', shim, 'svclab-shim', dir, logFile, stdin, ...argv], { detached: true, stdio: 'ignore', env });
    child.unref();
    p.shimPid = child.pid;
    child.on('exit', () => p.check());
    await p.waitForPid();
    await p.waitForProgram(program);
    p.watch();
    return p;
  }

  private async waitForProgram(program: string[]): Promise<void> {
    const want = program.slice(0, 2).join('\0');
    await poll(() => {
      try {
        return fs.readFileSync(`/proc/${this.pid}/cmdline`, 'utf8').startsWith(want);
      } catch {
        return true; // already gone: the exit is reported by the watcher
      }
    }, { timeoutMs: 3000, everyMs: 5 });
  }

  /** Re-attaches to a container started by an earlier agent; undefined when there is nothing to adopt. */
  static adopt(id: string, dir: string, logFile: string): ContainerProcess | undefined {
    if (!fs.existsSync(path.join(dir, 'pid'))) return undefined;
    const p = new ContainerProcess(id, dir, logFile);
    p.pid = Number(fs.readFileSync(path.join(dir, 'pid'), 'utf8'));
    p.watch();
    p.check();
    return p;
  }

  private async waitForPid(): Promise<void> {
    const file = path.join(this.dir, 'pid');
    await poll(() => fs.existsSync(file), { timeoutMs: 2000, everyMs: 5 });
    if (!fs.existsSync(file)) throw new Error('the container process did not start');
    this.pid = Number(fs.readFileSync(file, 'utf8'));
  }

  private watch(): void {
    // The shim's exit event covers containers this agent started; polling covers adopted ones.
    this.poll = setInterval(() => this.check(), 500);
    this.poll.unref();
  }

  private check(): void {
    if (this.exited) return;
    const exitFile = path.join(this.dir, 'exit');
    let info: ExitInfo | undefined;
    if (fs.existsSync(exitFile)) {
      const code = Number(fs.readFileSync(exitFile, 'utf8').trim());
      info = code > 128 ? { exitCode: code, signal: code - 128 } : { exitCode: code };
    } else if (this.pid && !alive(this.pid) && !this.shimAlive()) {
      info = { exitCode: 137, signal: 9 }; // the shim itself was killed: no exit code was recorded
    }
    if (!info) return;
    this.exited = info;
    this.closeStdin();
    clearInterval(this.poll);
    for (const w of this.waiters.splice(0)) w(info);
  }

  private shimAlive(): boolean {
    // A container that just exited is gone from /proc before its shim records the exit code.
    if (this.shimPid !== undefined) return alive(this.shimPid);
    // A shim's process group is its own session; its pid is the container's parent.
    try {
      const stat = fs.readFileSync(`/proc/${this.pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      return ppid > 1 && alive(ppid);
    } catch {
      return fs.existsSync(path.join(this.dir, 'pid')) && !fs.existsSync(path.join(this.dir, 'exit')) && false;
    }
  }

  get exit(): ExitInfo | undefined {
    this.check();
    return this.exited;
  }

  wait(): Promise<ExitInfo> {
    const e = this.exit;
    if (e) return Promise.resolve(e);
    return new Promise((r) => this.waiters.push(r));
  }

  /** The stop signal (SIGTERM, or the image's) to the container's process group, SIGKILL after the grace period. */
  async stop(graceMs: number): Promise<ExitInfo> {
    if (this.exit || !this.pid) return this.exit ?? { exitCode: 0 };
    const signal = (s: NodeJS.Signals): void => {
      try {
        process.kill(-this.pid!, s);
      } catch {
        try {
          process.kill(this.pid!, s);
        } catch {
          /* gone */
        }
      }
    };
    signal(this.stopSignal());
    const timer = setTimeout(() => signal('SIGKILL'), graceMs);
    const info = await this.wait();
    clearTimeout(timer);
    return info;
  }

  /** Read from the container's directory: an adopted container keeps its image's stop signal. */
  private stopSignal(): NodeJS.Signals {
    try {
      return fs.readFileSync(path.join(this.dir, STOP_SIGNAL_FILE), 'utf8').trim() as NodeJS.Signals;
    } catch {
      return 'SIGTERM';
    }
  }

  async exec(command: string[], o: ExecOptions): Promise<ExecProcess | undefined> {
    if (this.exit || !this.pid) return undefined;
    return spawnExec([systemTool('nsenter'), '-t', String(this.pid), '-n', '-u', '-m', '--'], this.environment(), command, o);
  }

  /** The container's environment: as it was started, else (an older agent's container) from /proc. */
  private environment(): Record<string, string> {
    try {
      return JSON.parse(fs.readFileSync(path.join(this.dir, ENV_FILE), 'utf8')) as Record<string, string>;
    } catch {
      return processEnv(`/proc/${this.pid}/environ`);
    }
  }

  async logs(): Promise<LogReader> {
    return fileLogs(this.logFile, () => !this.exit);
  }

  private closeStdin(): void {
    if (this.stdinFd === undefined) return;
    fs.closeSync(this.stdinFd);
    this.stdinFd = undefined;
  }

  /** Output is the log file followed closely (one stream: the shim sends stdout and stderr there). */
  async attach(o: AttachOptions): Promise<Attached | undefined> {
    if (this.exit) return undefined;
    const first = !this.attached;
    this.attached = true;
    const stdout = new PassThrough();
    const stderr = new PassThrough().end();
    const log = fileLogs(this.logFile, () => !this.exit, 30);
    if (o.replay && first && log.text) stdout.write(log.text);
    const cancel = log.follow(
      (chunk) => stdout.write(chunk),
      () => stdout.end(),
    );
    let stdin: Writable | undefined;
    if (o.stdin && this.stdinFd !== undefined) {
      stdin = new Writable({
        write: (chunk: Buffer, _enc, cb) => {
          if (this.stdinFd === undefined) return cb();
          fs.write(this.stdinFd, chunk, () => cb());
        },
        final: (cb) => {
          if (this.io.stdinOnce) this.closeStdin();
          cb();
        },
      });
    }
    return {
      stdin,
      stdout,
      stderr,
      detach: () => {
        cancel();
        stdout.end();
      },
    };
  }
}
