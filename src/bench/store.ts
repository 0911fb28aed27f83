// `lab bench store`: the API's create, watch and list throughput with each store
// backend (embedded WAL, Debian's etcd), on an API server in this process over
// HTTP on 127.0.0.1: N ConfigMaps created with a bounded number of requests in
// flight while a watch counts their ADDED events, then full lists of them.
// With --lab L: the same through a running lab's API (as its admin, over HTTPS),
// e.g. a multi-host etcd lab's first replica on its three-member cluster.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { types } from '../api/resources.js';
import { assemble } from '../apiserver/assemble.js';
import { ApiClient, isNotFound } from '../client/client.js';
import { waitFor } from '../util/poll.js';
import { type Command, parse, UsageError } from '../cli/args.js';
import { spawnEtcd, etcdEndpoint } from '../lab/etcd.js';
import { adminConnection } from '../lab/credentials.js';
import { home, NoSuchLab, readState } from '../lab/state.js';
import { stores, type StoreName } from '../lab/plan.js';
import { table } from '../lab/status.js';
import { percentiles, positive, writeResults, type Percentiles } from './pods.js';
import { pool } from './services.js';

interface StoreBenchResult {
  /** The backend, or for --lab "lab L (etcd, 3 hosts)". */
  store: string;
  objects: number;
  inFlight: number;
  createsPerSecond: number;
  /** From the first create to the watch having seen every ADDED event. */
  watchedAllSeconds: number;
  /** Milliseconds per list of all the objects. */
  listMs: Percentiles;
}

const ns = 'bench-store';
/** Only the bench's objects count (a lab's controller-manager adds kube-root-ca.crt to every namespace). */
const benchLabel = 'svclab.io/bench';
const mine = { labelSelector: `${benchLabel}=store` };
const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

async function benchOne(store: StoreName, objects: number, inFlight: number, lists: number): Promise<StoreBenchResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `svclab-bench-store-${store}-`));
  const etcdDir = path.join(dir, 'etcd');
  fs.mkdirSync(etcdDir, { mode: 0o700 });
  const etcd = store === 'etcd' ? await spawnEtcd(etcdDir) : undefined;
  const api = await assemble({ stateDir: dir, etcdServers: etcd && [etcdEndpoint(etcdDir)] }).catch((e: Error) => {
    etcd?.kill('SIGKILL');
    throw e;
  });
  await api.server.listen(0);
  const client = new ApiClient({ server: `http://127.0.0.1:${(api.server.servers[0]!.address() as AddressInfo).port}`, timeoutMs: 60_000 });
  try {
    return await measure(client, store, objects, inFlight, lists);
  } finally {
    client.close();
    api.server.close();
    api.store.close();
    if (etcd) {
      const gone = new Promise((r) => etcd.once('exit', r));
      etcd.kill('SIGTERM');
      await gone;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Through a running lab's API: its objects are left in a namespace of their own, deleted at the end. */
async function benchLab(lab: string, objects: number, inFlight: number, lists: number): Promise<StoreBenchResult> {
  const state = readState(lab);
  if (!state) throw new NoSuchLab(`no lab named "${lab}"`);
  const client = new ApiClient({ ...adminConnection(state), timeoutMs: 60_000 });
  const label = `lab ${lab} (${state.plan.store ?? 'embedded'}, ${state.plan.overlay?.hosts.length ?? 1} host(s))`;
  try {
    return await measure(client, label, objects, inFlight, lists);
  } finally {
    // Gone before the next run makes it again (the namespace finalizer deletes the objects first).
    await client.delete(types.namespaces, ns).catch(() => undefined);
    await waitFor(`namespace ${ns} deleted`, () => client.get(types.namespaces, ns).then(() => false, (e) => isNotFound(e)), 120_000, 250).finally(() => client.close());
  }
}

async function measure(client: ApiClient, store: string, objects: number, inFlight: number, lists: number): Promise<StoreBenchResult> {
  await client.create(types.namespaces, { metadata: { name: ns } });
  const from = (await client.list(types.configmaps, ns, mine)).metadata.resourceVersion!;
  const watch = await client.watch(types.configmaps, ns, from, mine);
  const watched = (async () => {
    let added = 0;
    for await (const e of watch.events) if (e.type === 'ADDED' && ++added === objects) return Date.now();
    throw new Error(`the watch ended after ${added} of ${objects} events`);
  })();
  const t0 = Date.now();
  await pool(objects, inFlight, (i) => client.create(types.configmaps, { metadata: { name: `cm-${i}`, labels: { [benchLabel]: 'store' } }, data: { i: String(i) } }, ns));
  const created = Date.now();
  const seenAll = await watched;
  watch.stop();
  const listTimes: number[] = []; // seconds
  for (let i = 0; i < lists; i++) {
    const l0 = performance.now();
    const list = await client.list(types.configmaps, ns, mine);
    listTimes.push((performance.now() - l0) / 1000);
    if (list.items.length !== objects) throw new Error(`a list returned ${list.items.length} of ${objects} objects`);
  }
  return {
    store,
    objects,
    inFlight,
    createsPerSecond: round(objects / ((created - t0) / 1000), 0),
    watchedAllSeconds: round((seenAll - t0) / 1000, 2),
    listMs: percentiles(listTimes.map((s) => s * 1000)),
  };
}

async function runBenchStore(o: { stores: StoreName[]; lab?: string; objects: number; inFlight: number; lists: number; out: string }): Promise<StoreBenchResult[]> {
  const results: StoreBenchResult[] = [];
  const runs = o.lab ? [() => benchLab(o.lab!, o.objects, o.inFlight, o.lists)] : o.stores.map((store) => () => benchOne(store, o.objects, o.inFlight, o.lists));
  for (const run of runs) {
    const r = await run();
    console.log(`${r.store}: ${r.createsPerSecond} creates/s, all ${r.objects} watched after ${r.watchedAllSeconds} s, list of ${r.objects} p50 ${r.listMs.p50} ms`);
    results.push(r);
  }
  writeResults(o.out, 'store', results);
  console.log(
    '\n' +
      table([
        ['STORE', 'OBJECTS', 'IN FLIGHT', 'CREATES/S', 'ALL WATCHED (S)', 'LIST P50 (MS)', 'LIST MAX (MS)'],
        ...results.map((r) => [r.store, String(r.objects), String(r.inFlight), String(r.createsPerSecond), String(r.watchedAllSeconds), String(r.listMs.p50), String(r.listMs.max)]),
      ]),
  );
  console.log(`\nwritten to ${o.out}`);
  return results;
}

export const benchStore: Command = {
  summary: "the API's create/watch/list throughput with the embedded store and with etcd (an API server in this process)",
  usage: '[--store embedded,etcd | --lab NAME] [--objects 5000] [--in-flight 32] [--lists 5] [--out bench-results/store.json]',
  async run(argv) {
    const { values } = parse('bench store', argv, {
      store: { type: 'string', default: 'embedded,etcd' },
      lab: { type: 'string' },
      objects: { type: 'string', default: '5000' },
      'in-flight': { type: 'string', default: '32' },
      lists: { type: 'string', default: '5' },
      out: { type: 'string', default: `${home}/bench-results/store.json` },
    });
    const wanted = values.store.split(',').map((s) => {
      if (!(stores as readonly string[]).includes(s)) throw new UsageError(`lab bench store: --store must be a list of ${stores.join(', ')} (got "${s}")`);
      return s as StoreName;
    });
    await runBenchStore({ stores: wanted, lab: values.lab, objects: positive('bench store', 'objects', values.objects), inFlight: positive('bench store', 'in-flight', values['in-flight']), lists: positive('bench store', 'lists', values.lists), out: values.out });
  },
};
