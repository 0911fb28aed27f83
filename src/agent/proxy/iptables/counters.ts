// Per-endpoint traffic: the packet and byte counters of each KUBE-SEP chain's
// DNAT rule (iptables-save -c), so a workshop can watch the balancing live.
import type { EndpointChainInfo } from './render.js';
import type { SavedTable } from './save.js';

export interface EndpointCounter {
  /** serviceKey of the service port, when the chain is known. */
  service?: string;
  /** "ip:port" the DNAT rule sends to. */
  endpoint: string;
  chain: string;
  packets: number;
  bytes: number;
}

export function endpointCounters(nat: SavedTable | undefined, known: Map<string, EndpointChainInfo>): EndpointCounter[] {
  const out: EndpointCounter[] = [];
  for (const rule of nat?.rules ?? []) {
    if (!rule.chain.startsWith('KUBE-SEP-')) continue;
    const endpoint = /-j DNAT --to-destination (\S+)/.exec(rule.spec)?.[1];
    if (!endpoint) continue;
    out.push({ service: known.get(rule.chain)?.service, endpoint, chain: rule.chain, packets: rule.packets ?? 0, bytes: rule.bytes ?? 0 });
  }
  return out;
}
