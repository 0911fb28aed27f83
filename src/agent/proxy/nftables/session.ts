// A long-lived `nft -i` for small transactions: starting nft and loading
// its cache costs 5-15 ms per `nft -f`, while an interactive nft applies a
// one-element change in 1-3 ms. One input line is one atomic batch (commands
// joined with ";"); after it we ask for a table that cannot exist, and nft's
// "No such file or directory" for that marker tells where the batch's own
// errors end. Anything unexpected (a dead process, no answer in time) is
// reported as a failure, and the caller falls back to `nft -f`.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { RunResult } from '../../../net/run.js';

/** Above this size a transaction goes through `nft -f` (one line of input is read at once). */
export const sessionLimit = 64 * 1024;

export class NftSession {
  private child?: ChildProcessWithoutNullStreams;
  private stderr = '';
  private seq = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private wake?: () => void;

  /** argv: the nft command with its prefix, e.g. ['ip', 'netns', 'exec', 'ns1', '/usr/sbin/nft']. */
  constructor(private readonly argv: string[], private readonly timeoutMs = 10_000) {}

  /** Applies one transaction (nft -f syntax, one command per line) as one batch. */
  apply(text: string): Promise<RunResult> {
    const next = this.queue.then(() => this.send(text));
    this.queue = next.catch(() => undefined);
    return next;
  }

  close(): void {
    this.child?.kill('SIGKILL');
    this.child = undefined;
  }

  private start(): ChildProcessWithoutNullStreams {
    const child = spawn(this.argv[0]!, [...this.argv.slice(1), '-i'], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      this.stderr += d;
      this.wake?.();
    });
    child.stdout.resume();
    child.stdin.on('error', () => undefined);
    child.on('exit', () => {
      if (this.child === child) this.child = undefined;
      this.wake?.();
    });
    child.on('error', () => undefined);
    // An agent that exits takes its session along.
    child.unref();
    return (this.child = child);
  }

  private async send(text: string): Promise<RunResult> {
    const child = this.child ?? this.start();
    const marker = `svclab-session-${process.pid}-${++this.seq}`;
    const line = text.split('\n').filter(Boolean).join(' ; ');
    this.stderr = '';
    child.stdin.write(`${line}\nlist table ip ${marker}\n`);
    const end = `list table ip ${marker}\n`;
    const deadline = Date.now() + this.timeoutMs;
    while (!this.stderr.includes(end)) {
      if (!this.child || Date.now() > deadline) {
        this.close();
        return { exitCode: 1, stdout: '', stderr: `nft -i gave no answer${this.child ? ` within ${this.timeoutMs} ms` : ' (it exited)'}` };
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 50);
      });
    }
    this.wake = undefined;
    // What nft said about the batch comes before its complaint about the marker.
    const own = this.stderr.slice(0, this.stderr.indexOf(end)).replace(/Error: No such file or directory\n$/, '');
    this.stderr = '';
    return own.includes('Error') ? { exitCode: 1, stdout: '', stderr: own } : { exitCode: 0, stdout: '', stderr: own };
  }
}
