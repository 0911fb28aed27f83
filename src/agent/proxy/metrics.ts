// The proxy's Prometheus metrics: sync durations, network programming latency
// (change seen -> rules applied) and rule counts, in the text exposition format.

const buckets = [0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096, 8.192, 16.384];

class Histogram {
  private readonly counts = new Array<number>(buckets.length).fill(0);
  private sum = 0;
  private count = 0;
  /** Recent samples for percentiles in benchmarks. */
  readonly recent: number[] = [];

  observe(seconds: number): void {
    this.sum += seconds;
    this.count++;
    buckets.forEach((b, i) => {
      if (seconds <= b) this.counts[i]!++;
    });
    this.recent.push(seconds);
    if (this.recent.length > 10_000) this.recent.splice(0, this.recent.length - 10_000);
  }

  render(name: string, help: string): string {
    const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
    buckets.forEach((b, i) => lines.push(`${name}_bucket{le="${b}"} ${this.counts[i]}`));
    lines.push(`${name}_bucket{le="+Inf"} ${this.count}`, `${name}_sum ${this.sum}`, `${name}_count ${this.count}`);
    return lines.join('\n');
  }
}

export class ProxyMetrics {
  /** Every sync, full or partial (kube-proxy's SyncProxyRulesLatency). */
  readonly syncDuration = new Histogram();
  readonly fullSyncDuration = new Histogram();
  readonly partialSyncDuration = new Histogram();
  readonly programmingLatency = new Histogram();
  rulesTotal = 0;
  syncs = 0;
  fullSyncs = 0;
  syncErrors = 0;
  lastSyncTimestamp = 0;

  render(): string {
    return [
      this.syncDuration.render('kubeproxy_sync_proxy_rules_duration_seconds', 'SyncProxyRules latency in seconds'),
      this.fullSyncDuration.render('kubeproxy_sync_full_proxy_rules_duration_seconds', 'SyncProxyRules latency in seconds for full resyncs'),
      this.partialSyncDuration.render('kubeproxy_sync_partial_proxy_rules_duration_seconds', 'SyncProxyRules latency in seconds for partial resyncs'),
      this.programmingLatency.render('kubeproxy_network_programming_duration_seconds', 'In Cluster Network Programming Latency in seconds'),
      '# TYPE kubeproxy_sync_proxy_rules_iptables_total gauge',
      `kubeproxy_sync_proxy_rules_iptables_total ${this.rulesTotal}`,
      '# TYPE kubeproxy_sync_proxy_rules_last_timestamp_seconds gauge',
      `kubeproxy_sync_proxy_rules_last_timestamp_seconds ${this.lastSyncTimestamp}`,
      '# TYPE svclab_proxy_syncs_total counter',
      `svclab_proxy_syncs_total ${this.syncs}`,
      '# TYPE svclab_proxy_full_syncs_total counter',
      `svclab_proxy_full_syncs_total ${this.fullSyncs}`,
      '# TYPE svclab_proxy_sync_errors_total counter',
      `svclab_proxy_sync_errors_total ${this.syncErrors}`,
      '',
    ].join('\n');
  }
}
