// What `lab trace` finds out, as printed by -o json.
import type { PacketFields } from './parse.js';

export interface TraceStep {
  /** The hook of the base chain the packet last entered (prerouting, forward, ...). */
  hook?: string;
  family: string;
  table: string;
  chain: string;
  kind: 'packet' | 'rule' | 'policy' | 'return' | 'other';
  /** The rule as nft prints it (no counters), or for kind "packet" the packet. */
  rule?: string;
  /** The same rule as iptables-save writes it, when iptables-nft owns the table. */
  iptables?: string;
  /** The rule's comment: which service, which endpoint. */
  comment?: string;
  verdict?: string;
}

export interface HostPass {
  host: string;
  direction: 'original' | 'reply';
  packet: PacketFields;
  steps: TraceStep[];
}

export interface Tuple {
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
}

export interface ConntrackEntry {
  host: string;
  proto: string;
  state?: string;
  original: Tuple;
  reply: Tuple;
}

export interface TraceResult {
  lab: string;
  proxyMode: string;
  from: string;
  to: string;
  proto: 'tcp' | 'udp';
  /** Where the probe was sent (the service's address as the source sees it). */
  target: { ip: string; port: number };
  sourcePort: number;
  probe: { ok: boolean; error?: string; reply?: string; ms?: number };
  passes: HostPass[];
  conntrack: ConntrackEntry[];
  /** Each DNAT on the way, in order: "10.244.2.5:8080". */
  dnat: string[];
  /** SNAT/masquerade seen in conntrack: the address replies go back to. */
  snat: string[];
  /** The last rule verdict that ended the packet (drop, reject) when it did not get through. */
  stopped?: { host: string; chain: string; rule: string; verdict: string; comment?: string };
  answeredBy?: { namespace: string; pod: string; ip: string; port?: number; node?: string };
  /** Userspace mode: the agent's proxy socket; IPVS mode: the connection entries (ipvsadm -Lnc). */
  proxy?: { host: string; lines: string[] }[];
}
