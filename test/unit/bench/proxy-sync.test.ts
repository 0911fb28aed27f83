import test from 'ava';
import { extraLatency, fullSyncs, parseMetrics, syncOutcome } from '../../../src/bench/proxy-sync.js';

// The agent's /metrics as its ProxyMetrics renders them (kube-proxy's names).
const scrape = (o: { partial: [number, number]; full: [number, number]; last: number }): string =>
  [
    '# HELP kubeproxy_sync_partial_proxy_rules_duration_seconds SyncProxyRules latency in seconds for partial resyncs',
    '# TYPE kubeproxy_sync_partial_proxy_rules_duration_seconds histogram',
    'kubeproxy_sync_partial_proxy_rules_duration_seconds_bucket{le="0.001"} 0',
    `kubeproxy_sync_partial_proxy_rules_duration_seconds_sum ${o.partial[1]}`,
    `kubeproxy_sync_partial_proxy_rules_duration_seconds_count ${o.partial[0]}`,
    `kubeproxy_sync_full_proxy_rules_duration_seconds_sum ${o.full[1]}`,
    `kubeproxy_sync_full_proxy_rules_duration_seconds_count ${o.full[0]}`,
    '# TYPE kubeproxy_sync_proxy_rules_last_timestamp_seconds gauge',
    `kubeproxy_sync_proxy_rules_last_timestamp_seconds ${o.last}`,
    '',
  ].join('\n');

test('metrics text: one number per series, labels kept in the name, comments and blanks skipped', (t) => {
  const m = parseMetrics(scrape({ partial: [3, 0.25], full: [1, 0.5], last: 1765000000.125 }));
  t.is(m.get('kubeproxy_sync_partial_proxy_rules_duration_seconds_count'), 3);
  t.is(m.get('kubeproxy_sync_partial_proxy_rules_duration_seconds_bucket{le="0.001"}'), 0);
  t.is(m.get('kubeproxy_sync_proxy_rules_last_timestamp_seconds'), 1765000000.125);
  t.is(m.size, 6);
});

test('one partial sync after the write: its duration, and the write to the end of the sync', (t) => {
  const before = parseMetrics(scrape({ partial: [3, 0.25], full: [1, 0.5], last: 1765000000 }));
  const after = parseMetrics(scrape({ partial: [4, 0.29], full: [1, 0.5], last: 1765000000.3 }));
  const o = syncOutcome(before, after, 1765000000_000 + 250);
  t.is(o.kind, 'partial');
  if (o.kind !== 'partial') return;
  t.is(Math.round(o.syncMs), 40);
  t.is(Math.round(o.latencyMs), 50);
});

test('several partial syncs: their mean duration, the latency to the last one', (t) => {
  const before = parseMetrics(scrape({ partial: [1, 0.01], full: [1, 0.5], last: 100 }));
  const after = parseMetrics(scrape({ partial: [3, 0.07], full: [1, 0.5], last: 100.5 }));
  t.deepEqual(roundAll(syncOutcome(before, after, 100_000)), { kind: 'partial', syncMs: 30, latencyMs: 500 });
});

test('a full sync in between is reported as such, even with partial syncs beside it; no sync yet is none', (t) => {
  const before = parseMetrics(scrape({ partial: [1, 0.01], full: [1, 0.5], last: 100 }));
  t.deepEqual(syncOutcome(before, parseMetrics(scrape({ partial: [2, 0.02], full: [2, 1], last: 101 })), 100_000), { kind: 'full' });
  t.deepEqual(syncOutcome(before, before, 100_000), { kind: 'none' });
  t.deepEqual(syncOutcome(new Map(), new Map(), 0), { kind: 'none' });
});

test('full syncs since start: count and mean; none before the first', (t) => {
  t.deepEqual(fullSyncs(parseMetrics(scrape({ partial: [0, 0], full: [2, 1.5], last: 1 }))), { count: 2, meanMs: 750 });
  t.deepEqual(fullSyncs(new Map()), { count: 0, meanMs: 0 });
});

function roundAll(o: object): object {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v * 1000) / 1000 : v]));
}

test('extra latency of one write: only when both nodes applied it in a partial sync; may be negative', (t) => {
  const partial = (latencyMs: number) => ({ kind: 'partial' as const, syncMs: 10, latencyMs });
  t.is(extraLatency(partial(120), partial(100)), 20);
  t.is(extraLatency(partial(90), partial(100)), -10);
  t.is(extraLatency({ kind: 'full' }, partial(100)), undefined);
  t.is(extraLatency(partial(90), undefined), undefined);
});
