// What the runner asks probe.js to do at a place (a pod, a node, the outside
// host), and what it prints back as one JSON document.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface HttpProbe {
  kind: 'http';
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  count: number;
  intervalMs?: number;
  timeoutMs: number;
}

export interface SocketProbe {
  kind: 'tcp' | 'udp';
  host: string;
  port: number;
  send?: string;
  /** A fixed source port (lab trace matches its probe by it). */
  localPort?: number;
  count: number;
  intervalMs?: number;
  timeoutMs: number;
}

export interface DnsProbe {
  kind: 'dns';
  name: string;
  type: string;
  server?: string;
  tcp?: boolean;
  search: boolean;
  timeoutMs: number;
}

export type ProbeSpec = HttpProbe | SocketProbe | DnsProbe;

export interface Attempt {
  /** Connected (tcp), answered (http, udp). */
  ok: boolean;
  status?: number;
  /** HTTP body or tcp/udp reply (first 4 KiB). */
  body?: string;
  /** ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, ENOTFOUND, ... */
  error?: string;
  ms: number;
}

export interface DnsRecord {
  name: string;
  type: string;
  data: string;
}

export interface DnsResult {
  server: string;
  /** The name that was finally asked (after the search list). */
  name: string;
  rcode: string;
  answers: DnsRecord[];
  error?: string;
  ms: number;
}

/** dist/src/scenario/probe.js, next to this module. */
const probeScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'probe.js');

export function probeArgv(spec: ProbeSpec): string[] {
  return [process.execPath, probeScript, JSON.stringify(spec)];
}
