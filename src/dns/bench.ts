// Benchmark (not a test): loads a DNS server over UDP (see load.ts). By default
// the server is a thread of this process holding 10,000 services on loopback;
// with --target it is a running server (`lab bench dns` runs this in a pod
// against kube-dns and a DNS pod). Phase 1 sends a fixed rate and reports
// latency; phase 2 keeps a fixed number of queries in flight to find the ceiling.
//   node dist/src/dns/bench.js [--services 10000] [--rate 10000] [--seconds 5] [--concurrency 64] [--target HOST[:PORT]] [--json]
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { ClusterView } from './cluster-view.js';
import { ClusterZone } from './cluster-zone.js';
import { AnswerEngine } from './engine.js';
import { parseHostPort, type HostPort } from './forwarder.js';
import { closedLoop, describe, fixedRate, NAMESPACES, nameOf, queries } from './load.js';
import { DnsServer } from './server.js';

const HEADLESS_EVERY = 10;
const ENDPOINTS_PER_HEADLESS = 3;

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

if (isMainThread) {
  const { values } = parseArgs({
    options: {
      services: { type: 'string', default: '10000' },
      rate: { type: 'string', default: '10000' },
      seconds: { type: 'string', default: '5' },
      concurrency: { type: 'string', default: '64' },
      target: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const services = Number(values.services);
  let target: HostPort;
  let worker: Worker | undefined;
  if (values.target) target = parseHostPort(values.target, 53);
  else {
    worker = new Worker(new URL(import.meta.url), { workerData: { services } });
    const ready = await new Promise<{ port: number; loadMs: number; heapMB: number }>((r) => worker!.once('message', r));
    if (!values.json) console.log(`server thread: ${services} services loaded in ${ready.loadMs.toFixed(0)} ms, heap ${ready.heapMB.toFixed(0)} MB, udp 127.0.0.1:${ready.port}`);
    target = { host: '127.0.0.1', port: ready.port };
  }
  const qs = queries(services, 50_000);
  const warmUp = await closedLoop(target, qs, 16, 1);
  const rate = Number(values.rate);
  const fixed = await fixedRate(target, qs, rate, Number(values.seconds));
  const ceiling = await closedLoop(target, qs, Number(values.concurrency), Number(values.seconds));
  if (values.json) console.log(JSON.stringify({ target, services, warmUp, fixedRate: { rate, ...fixed }, closedLoop: { concurrency: Number(values.concurrency), ...ceiling } }));
  else {
    console.log(describe(`fixed rate ${rate} qps`, fixed));
    console.log(describe(`closed loop, ${values.concurrency} in flight`, ceiling));
  }
  await worker?.terminate();
} else {
  await serve((workerData as { services: number }).services);
}
