// kube-proxy's BoundedFrequencyRunner: run() asks for a sync; requests that
// arrive while one runs, or sooner than minSyncPeriod after the last start, are
// folded into a single later sync. Every syncPeriod a periodic (full) sync runs
// even without requests. Never two at once; a failed sync is retried after a
// back-off that doubles up to syncPeriod.
import { systemClock, type Clock } from '../../util/clock.js';

export type SyncReason = 'requested' | 'periodic' | 'retry';

export interface RunnerOptions {
  /** Default 1000 ms (kube-proxy's --iptables-min-sync-period). */
  minSyncPeriodMs?: number;
  /** Default 30000 ms (kube-proxy's --iptables-sync-period). */
  syncPeriodMs?: number;
  /** First retry delay after a failure (default minSyncPeriodMs, at least 100 ms); doubles up to syncPeriodMs. */
  retryMinMs?: number;
  onError?: (err: unknown, reason: SyncReason) => void;
  clock?: Clock;
}

export class BoundedFrequencyRunner {
  private readonly minPeriod: number;
  private readonly period: number;
  private readonly retryMin: number;
  private readonly clock: Clock;
  private readonly onError: (err: unknown, reason: SyncReason) => void;
  private requested = false;
  private periodicDue = false;
  private retryDue = false;
  private running: Promise<void> | undefined;
  private lastStart = -Infinity;
  /** After a failure: no sync before this time. */
  private notBefore = -Infinity;
  private failures = 0;
  private timer: unknown;
  private periodicTimer: unknown;
  private stopped = true;

  constructor(private readonly fn: (reason: SyncReason) => Promise<void>, opts: RunnerOptions = {}) {
    this.minPeriod = opts.minSyncPeriodMs ?? 1000;
    this.period = opts.syncPeriodMs ?? 30_000;
    this.retryMin = opts.retryMinMs ?? Math.max(this.minPeriod, 100);
    this.clock = opts.clock ?? systemClock;
    this.onError = opts.onError ?? ((err, reason) => console.error(`proxy ${reason} sync failed:`, err));
  }

  /** Starts the periodic syncs (the first one a syncPeriod from now). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.armPeriodic();
    this.schedule();
  }

  /** Asks for a sync as soon as the bounds allow. */
  run(): void {
    this.requested = true;
    this.schedule();
  }

  /** Stops timers and waits for a running sync to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clock.clearTimeout(this.timer);
    this.clock.clearTimeout(this.periodicTimer);
    this.timer = this.periodicTimer = undefined;
    await this.running;
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  private armPeriodic(): void {
    this.periodicTimer = this.clock.setTimeout(() => {
      this.periodicDue = true;
      this.armPeriodic();
      this.schedule();
    }, this.period);
  }

  private schedule(): void {
    if (this.stopped || this.running || this.timer !== undefined) return;
    if (!this.requested && !this.periodicDue && !this.retryDue) return;
    const at = Math.max(this.lastStart + this.minPeriod, this.notBefore);
    // Even when allowed now, go through a timer so a burst of run() calls makes one sync.
    this.timer = this.clock.setTimeout(() => this.fire(), Math.max(0, at - this.clock.now()));
  }

  private fire(): void {
    this.timer = undefined;
    if (this.stopped) return;
    const reason: SyncReason = this.periodicDue ? 'periodic' : this.retryDue ? 'retry' : 'requested';
    this.requested = this.periodicDue = this.retryDue = false;
    this.lastStart = this.clock.now();
    this.running = Promise.resolve()
      .then(() => this.fn(reason))
      .then(
      () => {
        this.failures = 0;
        this.notBefore = -Infinity;
      },
      (err: unknown) => {
        this.failures++;
        this.retryDue = true;
        this.notBefore = this.clock.now() + Math.min(this.retryMin * 2 ** (this.failures - 1), this.period);
        this.onError(err, reason);
      },
    );
    void this.running.finally(() => {
      this.running = undefined;
      this.schedule();
    });
  }
}
