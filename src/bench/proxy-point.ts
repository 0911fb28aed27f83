// One measured point of `lab bench proxy` (a mode at a size): what proxy.ts measures and proxy-report.ts draws.
import type { ProxyMode } from '../agent/proxy/modes.js';
import type { Floor } from './proxy-floor.js';
import type { Percentiles } from './pods.js';

/** Percentiles, and the samples themselves (ms) so a p99 made by one stall shows as such. */
export type Samples = Percentiles & { samples: number; raw?: number[] };

export interface ProxyPoint {
  mode: ProxyMode;
  services: number;
  /** Simulated hosts of the point's lab (lab up --hosts), one node on each. */
  hosts: number;
  /** The host of the measured node (the last one: across the overlay when hosts > 1). */
  host: string;
  /** Every phase finished in time. */
  converged: boolean;
  notes: string[];
  /** kubeproxy_sync_proxy_rules_iptables_total: rules (nftables modes: rules + map elements). */
  rules: number | null;
  /** From the first Service write until the last Service answered from the client pod. */
  programAllSeconds: number | null;
  agentCpuSeconds: number | null;
  agentRssMB: number | null;
  /** Partial syncs that applied one changed endpoint (kubeproxy_sync_partial_proxy_rules_duration_seconds). */
  partialSyncMs: Samples | null;
  /** Endpoints write -> end of the sync that applied it (includes mirroring to an EndpointSlice). */
  programmingLatencyMs: Samples | null;
  /** Multi-host labs: the same writes' programming latency on each host's node (host1's agent uses the API's unix socket). */
  programmingLatencyByHostMs?: Record<string, Samples | null>;
  /** Multi-host labs: the measured node's latency minus host 1's node's, write by write (both partial syncs). */
  overlayExtraMs?: Samples | null;
  /** Full syncs seen while the one-endpoint changes ran (kube-proxy's cadence: none). */
  fullSyncsDuringChanges: number;
  /** The full sync a restarted agent makes (kubeproxy_sync_full_proxy_rules_duration_seconds). */
  fullSyncMs: Samples | null;
  /** TCP connect time from a pod on the node, in µs: through the first, middle and last service (in dispatch order) and to a pod. */
  connectUs: { first: Percentiles; middle: Percentiles; last: Percentiles; direct: Percentiles; samples: number } | null;
  floor?: Floor;
}

/** Which host the point measured: "host2 of 2". */
export const hostLabel = (p: Pick<ProxyPoint, 'host' | 'hosts'>): string => `${p.host} of ${p.hosts}`;

/** A point with nothing measured yet. */
export const emptyPoint = (mode: ProxyMode, services: number, hosts: number): ProxyPoint => ({
  mode,
  services,
  hosts,
  host: `host${hosts}`,
  converged: false,
  notes: [],
  rules: null,
  programAllSeconds: null,
  agentCpuSeconds: null,
  agentRssMB: null,
  partialSyncMs: null,
  programmingLatencyMs: null,
  fullSyncsDuringChanges: 0,
  fullSyncMs: null,
  connectUs: null,
});
