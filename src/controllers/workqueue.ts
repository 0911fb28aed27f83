// A keyed work queue shared by the workload controllers.
import { isConflict } from '../client/client.js';
/** A keyed work queue: a key is never processed by two workers at once, re-adds while busy run once more afterwards, failures retry with back-off. */
export class WorkQueue {
  private readonly order: string[] = [];
  private readonly queued = new Set<string>();
  private readonly active = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly delayed = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly failures = new Map<string, number>();
  private running = 0;
  private stopped = false;

  constructor(
    private readonly name: string,
    private readonly handler: (key: string) => Promise<void>,
    private readonly workers = 5,
  ) {}

  add(key: string): void {
    if (this.stopped) return;
    if (this.active.has(key)) this.dirty.add(key);
    else if (!this.queued.has(key)) {
      this.queued.add(key);
      this.order.push(key);
      this.pump();
    }
  }

  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    if (ms <= 0) return this.add(key);
    const at = Date.now() + ms;
    const current = this.delayed.get(key);
    if (current && current.at <= at) return;
    if (current) clearTimeout(current.timer);
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, timer });
  }

  stop(): void {
    this.stopped = true;
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
  }

  private pump(): void {
    while (!this.stopped && this.running < this.workers && this.order.length > 0) {
      const key = this.order.shift()!;
      this.queued.delete(key);
      this.active.add(key);
      this.running++;
      this.handler(key)
        .then(() => this.failures.delete(key))
        .catch((e: unknown) => {
          const n = (this.failures.get(key) ?? 0) + 1;
          this.failures.set(key, n);
          // A conflict means our cache was behind: the newer version is on its way and retried quietly.
          if (!isConflict(e)) console.error(`${this.name}: syncing ${key} failed (retry ${n}): ${(e as Error).message}`);
          // client-go's per-item back-off starts at 5 ms and doubles; capped lower here for a lab.
          this.addAfter(key, Math.min(5 * 2 ** n, 30_000));
        })
        .finally(() => {
          this.active.delete(key);
          this.running--;
          if (this.dirty.delete(key)) this.add(key);
          this.pump();
        });
    }
  }
}

