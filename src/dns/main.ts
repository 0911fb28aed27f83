// The DNS server process. Cluster mode (--server) serves the cluster zone from
// the API server, once its informers have synced, and forwards other names to
// --upstream; static mode (--zone-file) serves a fixed zone file, the lab's
// outside-world DNS. On SIGTERM the cluster DNS keeps serving for --lameduck
// seconds (CoreDNS's `health { lameduck }` as kubeadm configures it), so queries
// still land while kube-dns drops the terminating pod from its endpoints.
import { parseArgs } from 'node:util';
import { ApiClient } from '../client/client.js';
import { inClusterConnection } from '../client/in-cluster.js';
import { syncClusterView } from './cluster-sync.js';
import { ClusterView } from './cluster-view.js';
import { ClusterZone } from './cluster-zone.js';
import { AnswerEngine } from './engine.js';
import { Forwarder, parseHostPort } from './forwarder.js';
import { DnsServer } from './server.js';
import { StaticZone } from './static-zone.js';

const { values } = parseArgs({
  options: {
    server: { type: 'string' },
    /** The API from inside a pod: rest.InClusterConfig's address, token and CA. */
    'in-cluster': { type: 'boolean', default: false },
    zone: { type: 'string', default: 'cluster.local' },
    listen: { type: 'string', default: '0.0.0.0:53' },
    upstream: { type: 'string' },
    ttl: { type: 'string', default: '5' },
    'zone-file': { type: 'string' },
    lameduck: { type: 'string' },
  },
});

/** Runs `f`, turning a thrown error into a usage failure. */
function orFail<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    console.error(`dns: ${(e as Error).message}`);
    process.exit(2);
  }
}

function seconds(flag: string, text: string, integer: boolean): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) throw new Error(`bad --${flag} ${text}`);
  return n;
}

const ttl = orFail(() => seconds('ttl', values.ttl, true));
const lameduck = orFail(() => seconds('lameduck', values.lameduck ?? (values['zone-file'] ? '0' : '1'), false));
orFail(() => {
  if ([!!values.server, values['in-cluster'], !!values['zone-file']].filter(Boolean).length !== 1) throw new Error('exactly one of --server or --in-cluster (cluster mode) or --zone-file (static mode) is required');
});
const listen = orFail(() => parseHostPort(values.listen, 53));
const upstream = values.upstream ? orFail(() => parseHostPort(values.upstream!, 53)) : undefined;

let engine: AnswerEngine;
let stopSync = (): void => undefined;
if (values['zone-file']) {
  const file = values['zone-file'];
  engine = new AnswerEngine({ zones: [orFail(() => StaticZone.fromFile(file, ttl))] });
} else {
  const view = new ClusterView();
  const api = values.server ? { server: values.server } : orFail(() => inClusterConnection());
  stopSync = await syncClusterView(new ApiClient({ ...api, userAgent: 'svclab-dns' }), view);
  console.log(`dns: synced ${JSON.stringify(view.size)}`);
  engine = new AnswerEngine({ zones: [new ClusterZone(view, { zone: values.zone, ttl })], forwarder: upstream && new Forwarder(upstream) });
}

const server = new DnsServer(engine, listen);
await server.listen();
const mode = values['zone-file'] ? `zone file ${values['zone-file']}` : `zone ${values.zone}, upstream ${values.upstream ?? 'none'}`;
console.log(`dns: serving ${mode} on ${listen.host}:${listen.port} (udp+tcp)`);

process.on('SIGUSR1', () => console.log(`dns: metrics ${JSON.stringify(engine.metrics())}`));
let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  if (lameduck > 0) console.log(`dns: lameduck: serving ${lameduck} s more before stopping`);
  setTimeout(() => {
    stopSync();
    void server.close().then(() => process.exit(0));
  }, lameduck * 1000);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
