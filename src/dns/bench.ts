// Benchmark (not a test): a DNS server thread holding 10,000 services, loaded
// over UDP on loopback by this thread. Phase 1 sends a fixed rate and reports
// latency; phase 2 keeps a fixed number of queries in flight to find the ceiling.
//   node dist/src/dns/bench.js [--services 10000] [--rate 10000] [--seconds 5] [--concurrency 64]
import dgram from 'node:dgram';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import dnsPacket from 'dns-packet';
import { ClusterView } from './cluster-view.js';
import { ClusterZone } from './cluster-zone.js';
import { AnswerEngine } from './engine.js';
import { DnsServer } from './server.js';

const NAMESPACES = 100;
const HEADLESS_EVERY = 10;
const ENDPOINTS_PER_HEADLESS = 3;

const nameOf = (i: number): { name: string; ns: string } => ({ name: `svc-${i}`, ns: `ns-${i % NAMESPACES}` });

function loadCluster(services: number): ClusterView {
  const view = new ClusterView();
  for (let n = 0; n < NAMESPACES; n++) view.upsertNamespace({ metadata: { name: `ns-${n}` } });
  for (let i = 0; i < services; i++) {
    const { name, ns } = nameOf(i);
    const headless = i % HEADLESS_EVERY === 0;
    const ip = `10.${96 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
    view.upsertService({ metadata: { name, namespace: ns }, spec: { clusterIP: headless ? 'None' : ip, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } });
    view.upsertEndpointSlice({
      metadata: { name: `${name}-x`, namespace: ns, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      endpoints: Array.from({ length: ENDPOINTS_PER_HEADLESS }, (_, e) => ({ addresses: [`10.244.${i & 255}.${(e * 50 + (i >> 8)) & 255}`], conditions: { ready: true } })),
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    });
  }
  return view;
}

async function serve(services: number): Promise<void> {
  const started = performance.now();
  const view = loadCluster(services);
  const loadMs = performance.now() - started;
  const server = new DnsServer(new AnswerEngine({ zones: [new ClusterZone(view)] }), { host: '127.0.0.1', port: 0 });
  const { port } = await server.listen();
  parentPort!.postMessage({ port, loadMs, heapMB: process.memoryUsage().heapUsed / 2 ** 20 });
}

/** A mix of what pods ask: mostly service A records, some headless, SRV and misses. */
function queries(services: number, count: number): Buffer[] {
  return Array.from({ length: count }, (_, k) => {
    const i = Math.floor(Math.random() * services);
    const { name, ns } = nameOf(i);
    const roll = k % 20;
    const [qname, type] =
      roll < 16 ? [`${name}.${ns}.svc.cluster.local`, 'A'] :
      roll < 18 ? [`_http._tcp.${name}.${ns}.svc.cluster.local`, 'SRV'] :
      roll < 19 ? [`${name}.${ns}.svc.cluster.local`, 'AAAA'] :
      [`missing-${i}.${ns}.svc.cluster.local`, 'A'];
    return dnsPacket.encode({ type: 'query', id: 0, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: qname, type: type as 'A' }] });
  });
}

interface Result {
  sent: number;
  answered: number;
  seconds: number;
  latenciesMs: number[];
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;

function report(label: string, r: Result): void {
  const sorted = r.latenciesMs.sort((a, b) => a - b);
  const f = (n: number): string => n.toFixed(3);
  console.log(`${label}: ${r.answered}/${r.sent} answered in ${r.seconds.toFixed(1)} s = ${Math.round(r.answered / r.seconds)} qps; latency p50 ${f(percentile(sorted, 0.5))} ms, p99 ${f(percentile(sorted, 0.99))} ms, max ${f(sorted[sorted.length - 1] ?? NaN)} ms`);
}

/** Sends through one socket; `onReply` gets the latency of each answered query. */
function client(port: number, onReply: (ms: number) => void): { send(q: Buffer): void; close(): void } {
  const socket = dgram.createSocket('udp4');
  const sentAt = new Float64Array(65536);
  let nextId = 0;
  socket.on('message', (msg) => {
    const id = msg.readUInt16BE(0);
    if (sentAt[id]) onReply(performance.now() - sentAt[id]!);
    sentAt[id] = 0;
  });
  return {
    send(q: Buffer) {
      const id = (nextId = (nextId + 1) & 0xffff);
      const buf = Buffer.from(q);
      buf.writeUInt16BE(id, 0);
      sentAt[id] = performance.now();
      socket.send(buf, port, '127.0.0.1');
    },
    close: () => socket.close(),
  };
}

async function fixedRate(port: number, qs: Buffer[], rate: number, seconds: number): Promise<Result> {
  const r: Result = { sent: 0, answered: 0, seconds, latenciesMs: [] };
  const clients = Array.from({ length: 4 }, () => client(port, (ms) => (r.answered++, r.latenciesMs.push(ms))));
  const start = performance.now();
  await new Promise<void>((done) => {
    const tick = setInterval(() => {
      const elapsed = (performance.now() - start) / 1000;
      if (elapsed >= seconds) {
        clearInterval(tick);
        return done();
      }
      for (const due = Math.floor(elapsed * rate); r.sent < due; r.sent++) clients[r.sent % clients.length]!.send(qs[r.sent % qs.length]!);
    }, 1);
  });
  await new Promise((res) => setTimeout(res, 500));
  clients.forEach((c) => c.close());
  return r;
}

async function closedLoop(port: number, qs: Buffer[], concurrency: number, seconds: number): Promise<Result> {
  const r: Result = { sent: 0, answered: 0, seconds, latenciesMs: [] };
  const start = performance.now();
  let running = true;
  const c = client(port, (ms) => {
    r.answered++;
    r.latenciesMs.push(ms);
    if (running) c.send(qs[r.sent++ % qs.length]!);
  });
  for (let i = 0; i < concurrency; i++) c.send(qs[r.sent++ % qs.length]!);
  await new Promise((res) => setTimeout(res, seconds * 1000));
  running = false;
  r.seconds = (performance.now() - start) / 1000;
  await new Promise((res) => setTimeout(res, 200));
  c.close();
  return r;
}

if (isMainThread) {
  const { values } = parseArgs({
    options: {
      services: { type: 'string', default: '10000' },
      rate: { type: 'string', default: '10000' },
      seconds: { type: 'string', default: '5' },
      concurrency: { type: 'string', default: '64' },
    },
  });
  const services = Number(values.services);
  const worker = new Worker(new URL(import.meta.url), { workerData: { services } });
  const ready = await new Promise<{ port: number; loadMs: number; heapMB: number }>((r) => worker.once('message', r));
  console.log(`server thread: ${services} services loaded in ${ready.loadMs.toFixed(0)} ms, heap ${ready.heapMB.toFixed(0)} MB, udp 127.0.0.1:${ready.port}`);
  const qs = queries(services, 50_000);
  await closedLoop(ready.port, qs, 16, 1); // warm-up
  report(`fixed rate ${values.rate} qps`, await fixedRate(ready.port, qs, Number(values.rate), Number(values.seconds)));
  report(`closed loop, ${values.concurrency} in flight`, await closedLoop(ready.port, qs, Number(values.concurrency), Number(values.seconds)));
  await worker.terminate();
} else {
  await serve((workerData as { services: number }).services);
}
