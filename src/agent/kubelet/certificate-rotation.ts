// The kubelet's certificate manager, for its serving certificate: a new one is requested once 70-90%
// of the current one's lifetime has passed (jittered, as upstream's nextRotationDeadline), a failed
// request is retried with a doubling back-off, and the new pair is handed to the running server (no
// restart: connections from then on get it).
import crypto from 'node:crypto';
import { systemClock, type Clock } from '../../util/clock.js';

export interface Credentials {
  cert: Buffer;
  key: Buffer;
}

/** Upstream's nextRotationDeadline: notBefore + (70% + up to 20%) of the certificate's lifetime. */
export function rotationDeadline(cert: Buffer, random: () => number = Math.random): number {
  const x = new crypto.X509Certificate(cert);
  const from = Date.parse(x.validFrom);
  return from + (Date.parse(x.validTo) - from) * (0.7 + 0.2 * random());
}

/** setTimeout's longest wait (2^31-1 ms, about 24.8 days); a year's deadline is waited for in steps. */
const maxTimerMs = 2 ** 31 - 1;

export interface RotationOptions {
  current: Credentials;
  /** Asks for a new certificate (the CSR flow) and gives it with its key. */
  renew(): Promise<Credentials>;
  /** Puts a new pair to use. */
  apply(c: Credentials): void;
  onError?(e: unknown): void;
  /** Told the renewal deadline of each certificate put to use. */
  onScheduled?(deadline: number): void;
  clock?: Clock;
  random?: () => number;
  /** First retry after a failed renewal (default 1 s), doubling up to retryMaxMs (default 5 min). */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Least time between two renewals (default 1 min). */
  minIntervalMs?: number;
}

export class CertificateRotation {
  private timer: unknown;
  private stopped = false;
  private readonly clock: Clock;
  /** When the current certificate is renewed (ms since the epoch on the rotation's clock). */
  deadline = 0;

  constructor(private readonly o: RotationOptions) {
    this.clock = o.clock ?? systemClock;
    this.schedule(o.current);
  }

  /** notBeforeMs: a fresh certificate already due (a short-lived one, a skewed clock) waits that long, never loops. */
  private schedule(c: Credentials, notBeforeMs = 0): void {
    this.deadline = Math.max(rotationDeadline(c.cert, this.o.random), this.clock.now() + notBeforeMs);
    this.o.onScheduled?.(this.deadline);
    this.wake(this.deadline - this.clock.now(), () => void this.rotate(this.o.retryMinMs ?? 1000));
  }

  private wake(ms: number, fn: () => void): void {
    if (this.stopped) return;
    if (ms > maxTimerMs) this.timer = this.clock.setTimeout(() => this.wake(ms - maxTimerMs, fn), maxTimerMs);
    else this.timer = this.clock.setTimeout(fn, Math.max(0, ms));
  }

  private async rotate(backoffMs: number): Promise<void> {
    let next: Credentials;
    try {
      next = await this.o.renew();
    } catch (e) {
      this.o.onError?.(e);
      this.wake(backoffMs, () => void this.rotate(Math.min(backoffMs * 2, this.o.retryMaxMs ?? 300_000)));
      return;
    }
    if (this.stopped) return;
    try {
      this.o.apply(next);
    } catch (e) {
      this.o.onError?.(e); // a pair the server refuses: keep the running one and ask again
      this.wake(backoffMs, () => void this.rotate(Math.min(backoffMs * 2, this.o.retryMaxMs ?? 300_000)));
      return;
    }
    this.schedule(next, this.o.minIntervalMs ?? 60_000);
  }

  stop(): void {
    this.stopped = true;
    this.clock.clearTimeout(this.timer);
  }
}
