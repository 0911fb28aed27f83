// A UDP DNS load generator: the query mix pods send (service A records, some
// SRV, AAAA and misses) for services named svc-<i> in namespaces ns-<i % 100>,
// sent at a fixed rate (latency under a known load) or with a fixed number in
// flight (the ceiling). Used by src/dns/bench.ts and, inside a pod, by
// `lab bench dns`.
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import { sleep } from '../util/poll.js';
import type { HostPort } from './forwarder.js';

export const NAMESPACES = 100;

export const nameOf = (i: number): { name: string; ns: string } => ({ name: `svc-${i}`, ns: `ns-${i % NAMESPACES}` });

/** `count` queries over `services` services: mostly A records, some SRV (named port http), AAAA (NODATA) and misses (NXDOMAIN). */
export function queries(services: number, count: number, zone = 'cluster.local'): Buffer[] {
  return Array.from({ length: count }, (_, k) => {
    const i = Math.floor(Math.random() * services);
    const { name, ns } = nameOf(i);
    const roll = k % 20;
    const [qname, type] =
      roll < 16 ? [`${name}.${ns}.svc.${zone}`, 'A'] :
      roll < 18 ? [`_http._tcp.${name}.${ns}.svc.${zone}`, 'SRV'] :
      roll < 19 ? [`${name}.${ns}.svc.${zone}`, 'AAAA'] :
      [`missing-${i}.${ns}.svc.${zone}`, 'A'];
    return dnsPacket.encode({ type: 'query', id: 0, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: qname, type: type as 'A' }] });
  });
}

export interface LoadResult {
  sent: number;
  answered: number;
  seconds: number;
  qps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

interface Run {
  sent: number;
  answered: number;
  seconds: number;
  latenciesMs: number[];
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;

function summarize(r: Run): LoadResult {
  const sorted = r.latenciesMs.sort((a, b) => a - b);
  return { sent: r.sent, answered: r.answered, seconds: r.seconds, qps: Math.round(r.answered / r.seconds), p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99), maxMs: sorted[sorted.length - 1] ?? NaN };
}

export function describe(label: string, r: LoadResult): string {
  const f = (n: number): string => n.toFixed(3);
  return `${label}: ${r.answered}/${r.sent} answered in ${r.seconds.toFixed(1)} s = ${r.qps} qps; latency p50 ${f(r.p50Ms)} ms, p99 ${f(r.p99Ms)} ms, max ${f(r.maxMs)} ms`;
}

/**
 * Sends round robin over `sockets` sockets (each one a flow of its own, so a
 * service VIP can spread them over its endpoints); `onReply` gets the latency
 * of each answered query.
 */
function client(target: HostPort, sockets: number, onReply: (ms: number) => void): { send(q: Buffer): void; close(): void } {
  const sentAt = new Float64Array(65536);
  const all = Array.from({ length: sockets }, () => {
    const socket = dgram.createSocket('udp4');
    socket.on('message', (msg) => {
      const id = msg.readUInt16BE(0);
      if (sentAt[id]) onReply(performance.now() - sentAt[id]!);
      sentAt[id] = 0;
    });
    return socket;
  });
  let nextId = 0;
  return {
    send(q: Buffer) {
      const id = (nextId = (nextId + 1) & 0xffff);
      const buf = Buffer.from(q);
      buf.writeUInt16BE(id, 0);
      sentAt[id] = performance.now();
      all[id % all.length]!.send(buf, target.port, target.host);
    },
    close: () => all.forEach((s) => s.close()),
  };
}

/** Sends `rate` queries per second for `seconds`, then waits half a second for late answers. */
export async function fixedRate(target: HostPort, qs: Buffer[], rate: number, seconds: number, sockets = 4): Promise<LoadResult> {
  const r: Run = { sent: 0, answered: 0, seconds, latenciesMs: [] };
  const c = client(target, sockets, (ms) => (r.answered++, r.latenciesMs.push(ms)));
  const start = performance.now();
  await new Promise<void>((done) => {
    const tick = setInterval(() => {
      const elapsed = (performance.now() - start) / 1000;
      if (elapsed >= seconds) {
        clearInterval(tick);
        return done();
      }
      for (const due = Math.floor(elapsed * rate); r.sent < due; r.sent++) c.send(qs[r.sent % qs.length]!);
    }, 1);
  });
  await sleep(500);
  c.close();
  return summarize(r);
}

/** Keeps `concurrency` queries in flight for `seconds`: the most the server answers. */
export async function closedLoop(target: HostPort, qs: Buffer[], concurrency: number, seconds: number, sockets = 4): Promise<LoadResult> {
  const r: Run = { sent: 0, answered: 0, seconds, latenciesMs: [] };
  const start = performance.now();
  let running = true;
  const c = client(target, sockets, (ms) => {
    r.answered++;
    r.latenciesMs.push(ms);
    if (running) c.send(qs[r.sent++ % qs.length]!);
  });
  for (let i = 0; i < concurrency; i++) c.send(qs[r.sent++ % qs.length]!);
  await sleep(seconds * 1000);
  running = false;
  r.seconds = (performance.now() - start) / 1000;
  await sleep(200);
  c.close();
  return summarize(r);
}
