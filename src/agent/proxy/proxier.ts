// The proxy part of the agent (kube-proxy's shape): Service and EndpointSlice
// handlers only record the resolved service ports in the change tracker; a
// bounded-frequency runner calls the backend's sync with what changed (a full
// sync periodically, at start, and when the rules were tampered with).
import { types } from '../../api/resources.js';
import type { EndpointSlice, Service } from '../../api/types.js';
import type { ApiClient } from '../../client/client.js';
import { Informer } from '../../client/informer.js';
import { clearFlows, staleFlows } from './conntrack.js';
import { ProxyMetrics } from './metrics.js';
import { serviceKey, type NodeInfo, type ProxyBackend, type ServicePort } from './model.js';
import { servicePorts } from './resolve.js';
import { BoundedFrequencyRunner, type SyncReason } from './runner.js';
import { ChangeTracker } from './tracker.js';

export interface ProxierOptions {
  client: ApiClient;
  node: NodeInfo;
  backend: ProxyBackend;
  minSyncPeriodMs?: number;
  syncPeriodMs?: number;
  /** A Services informer shared with the kubelet (started by the caller). */
  services?: Informer<Service>;
}

export class Proxier {
  readonly metrics = new ProxyMetrics();
  private readonly tracker = new ChangeTracker();
  private readonly runner: BoundedFrequencyRunner;
  private readonly services: Informer<Service>;
  private readonly slices: Informer<EndpointSlice>;
  /** The port keys each service produced last time, to notice removed ports. */
  private readonly portsOf = new Map<string, Set<string>>();
  /** What the kernel was last programmed with, per port key (for conntrack cleanup). */
  private programmed = new Map<string, ServicePort>();
  private synced = false;
  private needFull = true;
  private canaryTimer?: NodeJS.Timeout;

  constructor(private readonly o: ProxierOptions) {
    this.services = o.services ?? new Informer<Service>(o.client, types.services);
    this.slices = new Informer<EndpointSlice>(o.client, types.endpointslices);
    this.runner = new BoundedFrequencyRunner((reason) => this.sync(reason), {
      minSyncPeriodMs: o.minSyncPeriodMs ?? 50,
      syncPeriodMs: o.syncPeriodMs ?? 30_000,
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
    const svcKey = (o: { metadata: { namespace?: string; name?: string } }): string => `${o.metadata.namespace}/${o.metadata.name}`;
    const onService = (s: Service): void => this.recompute(svcKey(s));
    this.services.on({ add: onService, update: onService, delete: onService });
    const onSlice = (sl: EndpointSlice): void => {
      const name = sl.metadata.labels?.['kubernetes.io/service-name'];
      if (name) this.recompute(`${sl.metadata.namespace}/${name}`);
    };
    this.slices.on({ add: onSlice, update: onSlice, delete: onSlice });
    if (!this.o.services) this.services.start();
    this.slices.start();
    await Promise.all([this.services.synced, this.slices.synced]);
    this.synced = true;
    this.runner.start();
    this.runner.run();
    // Like kube-proxy's canary: rules removed behind our back get a full resync soon, without slowing every sync.
    this.canaryTimer = setInterval(() => {
      this.o.backend
        .tampered()
        .then((t) => {
          if (!t) return;
          console.log('proxy: rules were changed behind our back; full resync');
          this.needFull = true;
          this.runner.run();
        })
        .catch(() => undefined);
    }, 10_000);
  }

  /** Re-resolves one service's ports from the informers into the tracker. */
  private recompute(key: string): void {
    const svc = this.services.get(key);
    const [ns, name] = key.split('/');
    const slices = svc ? this.slices.list().filter((s) => s.metadata.namespace === ns && s.metadata.labels?.['kubernetes.io/service-name'] === name) : [];
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
    const full = reason !== 'requested' || this.needFull;
    this.needFull = false;
    const services = this.tracker.services();
    const started = performance.now();
    // A failure throws to the runner, whose retry is a full sync: nothing pending is lost.
    const result = await this.o.backend.sync({ node: this.o.node, services, changed: full ? undefined : pending.keys });
    this.metrics.rulesTotal = result.rulesTotal;
    const seconds = (performance.now() - started) / 1000;
    (full ? this.metrics.syncDuration : this.metrics.partialSyncDuration).observe(seconds);
    if (pending.oldest !== undefined) this.metrics.programmingLatency.observe((Date.now() - pending.oldest) / 1000);
    this.metrics.syncs++;
    this.metrics.lastSyncTimestamp = Date.now() / 1000;
    const next = new Map(services.map((sp) => [serviceKey(sp), sp]));
    const flows = [...pending.keys].flatMap((k) => staleFlows(this.programmed.get(k), next.get(k)));
    this.programmed = next;
    if (flows.length) await clearFlows(flows);
  }

  async stop(): Promise<void> {
    clearInterval(this.canaryTimer);
    this.services.stop();
    this.slices.stop();
    await this.runner.stop();
  }
}
