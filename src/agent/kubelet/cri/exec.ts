// A command run inside a running container (kubectl exec, exec probes).
import { spawn } from 'node:child_process';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { systemTool } from '../../../net/tools.js';

export interface ExecOptions {
  tty: boolean;
  stdin: boolean;
}

export interface ExecProcess {
  stdin: Writable;
  stdout: Readable;
  /** Empty with a tty: a terminal has one output. */
  stderr: Readable;
  /** The exit code (126: it could not be started, with the reason on stderr). */
  exited: Promise<number>;
  kill(): void;
}

export function quote(argv: string[]): string {
  return argv.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
}

/** Runs command behind an argv prefix that enters the container (nsenter), with its environment. */
export function spawnExec(prefix: string[], env: Record<string, string>, command: string[], o: ExecOptions): ExecProcess {
  // script(1) gives the command a pseudo-terminal when kubectl asks for -t.
  const argv = o.tty ? [...prefix, systemTool('script'), '-qfec', quote(command), '/dev/null'] : [...prefix, ...command];
  const child = spawn(argv[0]!, argv.slice(1), { env: o.tty ? { TERM: 'xterm', ...env } : env, stdio: ['pipe', 'pipe', 'pipe'] });
  if (!o.stdin) child.stdin.end();
  child.stdin.on('error', () => undefined);
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  // With a tty, what the command writes to stderr is terminal output too.
  child.stdout.pipe(stdout, { end: false });
  child.stderr.pipe(o.tty ? stdout : stderr, { end: false });
  // Not 'close': that waits for stdin too, which the client may keep open after the command is done.
  const outputDone = Promise.all([new Promise((r) => child.stdout.once('close', r)), new Promise((r) => child.stderr.once('close', r))]);
  const exited = new Promise<number>((resolve) => {
    let ended = false;
    const end = (code: number, why?: string): void => {
      if (ended) return;
      ended = true;
      if (why) stderr.write(why);
      stdout.end();
      stderr.end();
      child.stdin.destroy();
      resolve(code);
    };
    child.once('error', (e) => end(126, e.message));
    child.once('exit', (code, signal) => void outputDone.then(() => end(code ?? (signal ? 137 : 1))));
  });
  return {
    stdin: child.stdin,
    stdout,
    stderr,
    exited,
    kill: () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** Runs a command to its end within a time limit; output is stdout then stderr. */
export async function execToEnd(proc: ExecProcess, timeoutMs: number): Promise<{ exitCode: number; output: string; timedOut: boolean }> {
  const chunks: Buffer[] = [];
  proc.stdout.on('data', (d: Buffer) => chunks.push(d));
  proc.stderr.on('data', (d: Buffer) => chunks.push(d));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill();
  }, timeoutMs);
  const [exitCode] = await Promise.all([proc.exited, finished(proc.stdout).catch(() => undefined), finished(proc.stderr).catch(() => undefined)]);
  clearTimeout(timer);
  return { exitCode, output: Buffer.concat(chunks).toString(), timedOut };
}
