// Leader election on a coordination.k8s.io Lease, as client-go's leaderelection
// package does for kube-controller-manager: candidates try to take the Lease when
// it is free or its holder stopped renewing; the leader renews it and, when it
// cannot within the renew deadline, stops (the process exits and its supervisor
// starts it again as a candidate), so two leaders never act at once for longer
// than a lease duration. Every write is guarded by the Lease's resourceVersion.
import crypto from 'node:crypto';
import os from 'node:os';
import { types } from '../api/resources.js';
import { microTimestamp, type Lease } from '../api/types.js';
import { isConflict, isNotFound, type ApiClient } from '../client/client.js';
import { sleep } from '../util/poll.js';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity?: string;
  /** Upstream's defaults (--leader-elect-lease-duration, -renew-deadline, -retry-period): 15 s, 10 s, 2 s. */
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  log?: (line: string) => void;
}

export class LeaderElector {
  readonly identity: string;
  private readonly leaseMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  /** The Lease as last seen, and when (by our clock) it last changed: a holder is gone once that is a lease duration ago. */
  private observed: { record: string; at: number } | undefined;
  private stopped = false;

  constructor(private readonly client: ApiClient, private readonly opts: LeaderElectionOptions) {
    this.identity = opts.identity ?? `${os.hostname()}_${crypto.randomUUID()}`;
    this.leaseMs = opts.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryMs = opts.retryPeriodMs ?? 2_000;
  }

  private log(line: string): void {
    (this.opts.log ?? console.log)(`leader election ${this.opts.namespace}/${this.opts.name}: ${line}`);
  }

  /** One attempt to take or renew the Lease; true when we hold it now. */
  async tryAcquireOrRenew(now = Date.now()): Promise<boolean> {
    const { namespace, name } = this.opts;
    const spec = (acquireTime: string, transitions: number) => ({ holderIdentity: this.identity, leaseDurationSeconds: Math.round(this.leaseMs / 1000), acquireTime, renewTime: microTimestamp(new Date(now)), leaseTransitions: transitions });
    let lease: Lease;
    try {
      lease = await this.client.get<Lease>(types.leases, name, namespace);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      try {
        await this.client.create(types.leases, { metadata: { name, namespace }, spec: spec(microTimestamp(new Date(now)), 0) }, namespace);
        this.observed = undefined;
        return true;
      } catch (err) {
        if (isConflict(err)) return false; // AlreadyExists: another candidate made it first
        throw err;
      }
    }
    const s = lease.spec ?? {};
    const record = JSON.stringify([s.holderIdentity, s.renewTime]);
    if (this.observed?.record !== record) this.observed = { record, at: now };
    const mine = s.holderIdentity === this.identity;
    const held = !!s.holderIdentity && now - this.observed.at < (s.leaseDurationSeconds ?? 15) * 1000;
    if (held && !mine) return false;
    const next = { ...lease, spec: mine ? { ...s, renewTime: microTimestamp(new Date(now)), leaseDurationSeconds: Math.round(this.leaseMs / 1000) } : spec(microTimestamp(new Date(now)), (s.leaseTransitions ?? 0) + 1) };
    try {
      await this.client.update(types.leases, next);
      return true;
    } catch (e) {
      if (isConflict(e)) return false; // someone else wrote it first: look again next round
      throw e;
    }
  }

  /**
   * Waits until we lead, then calls onLead and keeps renewing; onLost runs (once) when a renewal
   * could not be made within the renew deadline.
   */
  async run(onLead: () => void | Promise<void>, onLost: () => void): Promise<void> {
    this.log(`${this.identity} is a candidate`);
    for (;;) {
      if (this.stopped) return;
      const got = await this.tryAcquireOrRenew().catch((e: Error) => (this.log(`cannot reach the Lease: ${e.message}`), false));
      if (got) break;
      await sleep(this.retryMs);
    }
    this.log(`${this.identity} leads`);
    let lastRenew = Date.now();
    const renewing = (async () => {
      while (!this.stopped) {
        await sleep(this.retryMs);
        const ok = await this.tryAcquireOrRenew().catch((e: Error) => (this.log(`renewing: ${e.message}`), false));
        if (ok) lastRenew = Date.now();
        else if (Date.now() - lastRenew > this.renewDeadlineMs) {
          this.log(`${this.identity} lost the lease (no renewal within ${this.renewDeadlineMs} ms)`);
          this.stopped = true;
          onLost();
          return;
        }
      }
    })();
    await onLead();
    await renewing;
  }

  stop(): void {
    this.stopped = true;
  }
}
