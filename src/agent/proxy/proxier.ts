// The proxy part of the agent (kube-proxy's shape): Service and EndpointSlice
// handlers only record the resolved service ports in the change tracker; a
// bounded-frequency runner calls the backend's sync with what changed. As in
// kube-proxy since partial syncs went GA, every sync is partial (the periodic
// one too) except at start, after a failed sync, when the canary shows the
// rules were changed behind our back, and at most once per fullSyncPeriod.
import { types } from '../../api/resources.js';
import type { EndpointSlice, Service } from '../../api/types.js';
import type { ApiClient } from '../../client/client.js';
import { cacheKey, Informer } from '../../client/informer.js';
import { clearFlows, staleFlows } from './conntrack.js';
import { ProxyMetrics } from './metrics.js';
import { serviceKey, type NodeInfo, type ProxyBackend, type ServicePort } from './model.js';
import { serviceNameLabel, servicePorts } from './resolve.js';
import { systemClock, type Clock } from '../../util/clock.js';
import { BoundedFrequencyRunner, type SyncReason } from './runner.js';
import { ChangeTracker } from './tracker.js';

export interface ProxierOptions {
  client: ApiClient;
  node: NodeInfo;
  backend: ProxyBackend;
  /** Default 50 ms (kube-proxy: 1 s; a lab wants changes to show at once). */
  minSyncPeriodMs?: number;
  /** The periodic (partial) sync; default 30 s as kube-proxy. */
  syncPeriodMs?: number;
  /** At most this long between full syncs; default 1 hour (kube-proxy's FullSyncPeriod). */
  fullSyncPeriodMs?: number;
  /** How often the backend's canary is checked; default 10 s. */
  canaryPeriodMs?: number;
  /** A Services informer shared with the kubelet (started by the caller). */
  services?: Informer<Service>;
  /** Deletes stale UDP conntrack entries (default: the conntrack tool in this namespace). */
  clearFlows?: typeof clearFlows;
  clock?: Clock;
}

/** Why a sync is full, or undefined when it may be partial (kube-proxy's needFullSync || time since the last full sync). */
export function fullSyncReason(s: { reason: SyncReason; needFull: boolean; now: number; lastFull: number; fullSyncPeriodMs: number; fullPeriodicSync?: boolean }): string | undefined {
  if (s.needFull) return 'requested';
  if (s.reason === 'retry') return 'after a failed sync';
  if (s.reason === 'periodic' && s.fullPeriodicSync) return 'periodic (the backend reconciles every period)';
  if (s.now - s.lastFull >= s.fullSyncPeriodMs) return 'full sync period';
  return undefined;
}

export class Proxier {
  readonly metrics = new ProxyMetrics();
  private readonly tracker: ChangeTracker;
  private readonly runner: BoundedFrequencyRunner;
  private readonly services: Informer<Service>;
  private readonly slices: Informer<EndpointSlice>;
  private readonly clock: Clock;
  private readonly fullSyncPeriodMs: number;
  /** EndpointSlices by "ns/service" and slice key, so a change resolves one service without scanning every slice. */
  private readonly slicesOf = new Map<string, Map<string, EndpointSlice>>();
  /** The port keys each service produced last time, to notice removed ports. */
  private readonly portsOf = new Map<string, Set<string>>();
  /** What the kernel was last programmed with, per port key (for conntrack cleanup). */
  private readonly programmed = new Map<string, ServicePort>();
  private synced = false;
  /** At start nothing is known about the kernel's state. */
  private needFull = true;
  private lastFull = -Infinity;
  private canaryTimer: unknown;

  constructor(private readonly o: ProxierOptions) {
    this.clock = o.clock ?? systemClock;
    this.fullSyncPeriodMs = o.fullSyncPeriodMs ?? 3_600_000;
    this.tracker = new ChangeTracker(() => this.clock.now());
    this.services = o.services ?? new Informer<Service>(o.client, types.services);
    this.slices = new Informer<EndpointSlice>(o.client, types.endpointslices);
    this.runner = new BoundedFrequencyRunner((reason) => this.sync(reason), {
      minSyncPeriodMs: o.minSyncPeriodMs ?? 50,
      syncPeriodMs: o.syncPeriodMs ?? 30_000,
      clock: this.clock,
      onError: (e, reason) => {
        this.metrics.syncErrors++;
        console.error(`proxy: ${reason} sync failed: ${(e as Error).message}`);
      },
    });
  }

  get backend(): ProxyBackend {
    return this.o.backend;
  }

  async start(): Promise<void> {
    const onService = (s: Service): void => this.recompute(cacheKey(s));
    this.services.on({ add: onService, update: onService, delete: onService });
    const onSlice = (sl: EndpointSlice, gone = false): void => {
      const name = sl.metadata.labels?.[serviceNameLabel];
      if (!name) return;
      const svc = `${sl.metadata.namespace}/${name}`;
      const own = this.slicesOf.get(svc) ?? new Map<string, EndpointSlice>();
      if (gone) own.delete(cacheKey(sl));
      else own.set(cacheKey(sl), sl);
      if (own.size) this.slicesOf.set(svc, own);
      else this.slicesOf.delete(svc);
      this.recompute(svc);
    };
    this.slices.on({
      add: (sl) => onSlice(sl),
      // A slice relabelled to another service leaves the old one.
      update: (sl, old) => {
        if (old && old.metadata.labels?.[serviceNameLabel] !== sl.metadata.labels?.[serviceNameLabel]) onSlice(old, true);
        onSlice(sl);
      },
      delete: (sl) => onSlice(sl, true),
    });
    if (!this.o.services) this.services.start();
    this.slices.start();
    await Promise.all([this.services.synced, this.slices.synced]);
    this.synced = true;
    this.runner.start();
    this.runner.run();
    this.armCanary();
  }

  /** Like kube-proxy's canary: rules removed behind our back get a full resync soon, without slowing every sync. */
  private armCanary(): void {
    this.canaryTimer = this.clock.setTimeout(() => {
      this.o.backend
        .tampered()
        .then((t) => {
          if (!t) return;
          console.log('proxy: rules were changed behind our back; full resync');
          this.needFull = true;
          this.runner.run();
        })
        .catch(() => undefined)
        .finally(() => {
          if (this.synced) this.armCanary();
        });
    }, this.o.canaryPeriodMs ?? 10_000);
  }

  /** Re-resolves one service's ports from the informers into the tracker. */
  private recompute(key: string): void {
    const svc = this.services.get(key);
    const slices = svc ? [...(this.slicesOf.get(key)?.values() ?? [])] : [];
    const ports = svc ? servicePorts(svc, slices, this.o.node.name) : [];
    const now = new Set<string>();
    for (const sp of ports) {
      const k = serviceKey(sp);
      now.add(k);
      this.tracker.set(k, sp);
    }
    for (const old of this.portsOf.get(key) ?? []) if (!now.has(old)) this.tracker.set(old, undefined);
    if (now.size) this.portsOf.set(key, now);
    else this.portsOf.delete(key);
    if (this.synced && this.tracker.hasPending) this.runner.run();
  }

  private async sync(reason: SyncReason): Promise<void> {
    const pending = this.tracker.pending();
    const started = this.clock.now();
    const full = fullSyncReason({ reason, needFull: this.needFull, now: started, lastFull: this.lastFull, fullSyncPeriodMs: this.fullSyncPeriodMs, fullPeriodicSync: this.o.backend.fullPeriodicSync }) !== undefined;
    this.needFull = false;
    const byKey = this.tracker.snapshot();
    const services = [...byKey.values()];
    const t0 = performance.now();
    try {
      const result = await this.o.backend.sync({ node: this.o.node, services, byKey, changed: full ? undefined : pending.keys });
      this.metrics.rulesTotal = result.rulesTotal;
    } catch (err) {
      // The pending changes are consumed: only a full sync brings the kernel back to a known state.
      this.needFull = true;
      throw err;
    }
    const seconds = (performance.now() - t0) / 1000;
    this.metrics.syncDuration.observe(seconds);
    (full ? this.metrics.fullSyncDuration : this.metrics.partialSyncDuration).observe(seconds);
    if (full) {
      this.lastFull = started;
      this.metrics.fullSyncs++;
    }
    const done = this.clock.now();
    if (pending.oldest !== undefined) this.metrics.programmingLatency.observe((done - pending.oldest) / 1000);
    this.metrics.syncs++;
    this.metrics.lastSyncTimestamp = done / 1000;
    // What this sync programmed (the tracker may already hold newer state).
    const flows = [...pending.keys].flatMap((k) => staleFlows(this.programmed.get(k), byKey.get(k)));
    for (const k of pending.keys) {
      const sp = byKey.get(k);
      if (sp) this.programmed.set(k, sp);
      else this.programmed.delete(k);
    }
    if (flows.length) await (this.o.clearFlows ?? clearFlows)(flows);
  }

  async stop(): Promise<void> {
    this.synced = false;
    this.clock.clearTimeout(this.canaryTimer);
    this.services.stop();
    this.slices.stop();
    await this.runner.stop();
  }
}
