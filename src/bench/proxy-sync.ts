// What an agent did with one Endpoints write, judged from two scrapes of its
// /metrics (kube-proxy's metric names) taken before the write and after it:
// nothing yet, a full sync, or partial syncs and when the last one ended.
export type Metrics = Map<string, number>;

export const metric = {
  full: 'kubeproxy_sync_full_proxy_rules_duration_seconds',
  partial: 'kubeproxy_sync_partial_proxy_rules_duration_seconds',
  rules: 'kubeproxy_sync_proxy_rules_iptables_total',
  last: 'kubeproxy_sync_proxy_rules_last_timestamp_seconds',
  syncs: 'svclab_proxy_syncs_total',
};

/** Prometheus' text format, one number per series (the series keeps its labels in its name). */
export function parseMetrics(body: string): Metrics {
  const out: Metrics = new Map();
  for (const line of body.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    if (at > 0) out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

const count = (m: Metrics, histogram: string): number => m.get(`${histogram}_count`) ?? 0;
const sum = (m: Metrics, histogram: string): number => m.get(`${histogram}_sum`) ?? 0;

export type SyncOutcome =
  | { kind: 'none' }
  | { kind: 'full' }
  /** syncMs: the partial syncs' mean duration; latencyMs: the write (sentMs, epoch ms) to the end of the last sync. */
  | { kind: 'partial'; syncMs: number; latencyMs: number };

export function syncOutcome(before: Metrics, after: Metrics, sentMs: number): SyncOutcome {
  // A full sync in between applied the write too, but its time is not a one-endpoint change's.
  if (count(after, metric.full) > count(before, metric.full)) return { kind: 'full' };
  const partials = count(after, metric.partial) - count(before, metric.partial);
  if (partials <= 0) return { kind: 'none' };
  return {
    kind: 'partial',
    syncMs: ((sum(after, metric.partial) - sum(before, metric.partial)) / partials) * 1000,
    latencyMs: (after.get(metric.last) ?? 0) * 1000 - sentMs,
  };
}

/** Full syncs the agent has made since it started (a restarted agent makes one at once). */
export const fullSyncs = (m: Metrics): { count: number; meanMs: number } => ({ count: count(m, metric.full), meanMs: count(m, metric.full) ? (sum(m, metric.full) / count(m, metric.full)) * 1000 : 0 });

/** One write's extra latency on one node over another (both partial syncs of that write), else undefined: the overlay's share when the other is host 1's. */
export function extraLatency(node: SyncOutcome | undefined, reference: SyncOutcome | undefined): number | undefined {
  return node?.kind === 'partial' && reference?.kind === 'partial' ? node.latencyMs - reference.latencyMs : undefined;
}
