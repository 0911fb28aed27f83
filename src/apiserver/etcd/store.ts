// The API server's store on a real etcd, as kube-apiserver uses it: one JSON value
// per object under /registry/..., resourceVersion = the key's mod revision, every
// write a Txn guarded by the mod revision the writer read (GuaranteedUpdate's
// optimistic concurrency). Reads come from an in-memory cache that only etcd's
// watch feeds (like the watch cache), so a second API server on the same etcd
// sees every write; a write resolves once the watch has brought it back, so the
// writer reads its own writes.
import { circuitBreaker, ConsecutiveBreaker, ExponentialBackoff, handleWhen } from 'cockatiel';
import { Etcd3, isRecoverableError, type IKeyValue, type IWatchResponse, type Watcher } from 'etcd3';
import type { KubeObject } from '../../api/types.js';
import { CachedReads, ObjectCache, type StoreEvent } from '../cache.js';
import { ConflictError, type ObjectStore } from '../store.js';
import { etcdKey, parseEtcdKey, registryPrefix } from './keys.js';
import { waitFor } from '../../util/poll.js';

export interface EtcdStoreOptions {
  /** etcd client URLs: http(s)://host:port or unix:///path/to/socket; the client fails over between them. */
  endpoints: string[];
  /** PEM: etcd's CA and our client certificate (kube-apiserver's --etcd-cafile, --etcd-certfile, --etcd-keyfile). */
  tls?: { ca: Buffer; cert: Buffer; key: Buffer };
  /** Events kept for watches to resume from, and replayed from etcd at start. */
  historySize?: number;
  /** How often etcd's history is compacted (kube-apiserver's --etcd-compaction-interval, 5m); 0: never. */
  compactionIntervalMs?: number;
  /** How long start-up waits for etcd to answer. */
  connectTimeoutMs?: number;
  /** The cache can no longer follow etcd; the default exits so the supervisor restarts the API server and it resyncs. */
  onLost?: (err: Error) => void;
}

/** Where the last compaction's revision is kept (kube-apiserver's key of the same name). */
const compactRevKey = 'compact_rev_key';
/** How long a write waits for the watch to bring it back before it is reported as failed. */
const echoTimeoutMs = 30_000;

const prefixEnd = (prefix: string): Buffer => {
  const end = Buffer.from(prefix);
  end[end.length - 1]! += 1;
  return end;
};

export class EtcdStore extends CachedReads implements ObjectStore {
  private rv = 0;
  private watcher: Watcher | undefined;
  /** Checked after every watch response: promises waiting for the cache to reach a state. */
  private readonly waiters = new Set<() => void>();
  private compactTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    readonly client: Etcd3,
    private readonly opts: EtcdStoreOptions,
  ) {
    super(new ObjectCache(opts.historySize ?? 10_000));
  }

  /** Connects, loads the objects and the recent history, and follows etcd's watch. */
  static async open(opts: EtcdStoreOptions): Promise<EtcdStore> {
    const client = new Etcd3({
      hosts: opts.endpoints,
      dialTimeout: 2000,
      ...(opts.tls ? { credentials: { rootCertificate: opts.tls.ca, certChain: opts.tls.cert, privateKey: opts.tls.key } } : {}),
      // A restarted etcd is back within a second or two; the defaults wait 5 s (calls) and up to 30 s (watch).
      faultHandling: {
        host: () => circuitBreaker(handleWhen(isRecoverableError), { halfOpenAfter: 1000, breaker: new ConsecutiveBreaker(3) }),
        watchBackoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 2000 }).next(),
      },
    });
    const store = new EtcdStore(client, opts);
    try {
      await store.start();
    } catch (e) {
      store.close();
      throw e;
    }
    return store;
  }

  private async start(): Promise<void> {
    const range = { key: Buffer.from(registryPrefix), range_end: prefixEnd(registryPrefix) };
    // The current revision, and the last compaction's.
    const deadline = Date.now() + (this.opts.connectTimeoutMs ?? 30_000);
    const head = await waitFor(`etcd at ${this.opts.endpoints.join(',')} to answer`, () => this.client.kv.range({ key: Buffer.from(compactRevKey) }), deadline - Date.now(), 200);
    const current = Number(head.header.revision);
    const compacted = Number(head.kvs[0]?.value.toString() ?? 0);
    // Start from a past revision and replay the events since, so watches resume across a restart.
    let from = Math.max(1, compacted, current - (this.opts.historySize ?? 10_000));
    let snapshot;
    try {
      snapshot = await this.client.kv.range({ ...range, revision: from });
    } catch (e) {
      if (!/compacted/.test((e as Error).message)) throw e;
      from = current; // compacted by someone else: no history to offer
      snapshot = await this.client.kv.range({ ...range, revision: from });
    }
    for (const kv of snapshot.kvs) {
      const id = parseEtcdKey(kv.key.toString());
      const obj = id && this.decode(kv);
      if (id && obj) this.cache.set(id.type, id.key, obj);
    }
    this.rv = from;
    this.cache.compactedRV = from;
    // The whole keyspace, so the cache's revision follows etcd's (a write outside /registry/, like
    // compact_rev_key, moves it too) and "caught up with revision N" is always reached.
    this.watcher = await this.client.watch().prefix('').startRevision(String(from + 1)).create();
    this.watcher.on('data', (res) => this.apply(res));
    this.watcher.on('error', (err) => this.lost(err));
    await this.until(() => this.rv >= current, Math.max(deadline - Date.now(), 5000));
    const interval = this.opts.compactionIntervalMs ?? 5 * 60_000;
    if (interval > 0) {
      // Like kube-apiserver: each tick compacts up to the revision seen at the previous tick.
      let previous = 0;
      this.compactTimer = setInterval(() => {
        if (previous > 0) this.compact(previous).catch((e: Error) => console.error(`etcd store: compaction failed: ${e.message}`));
        previous = this.rv;
      }, interval);
      this.compactTimer.unref();
    }
  }

  private decode(kv: IKeyValue): KubeObject | undefined {
    let obj: KubeObject | undefined;
    try {
      obj = JSON.parse(kv.value.toString()) as KubeObject;
    } catch {
      /* reported below */
    }
    if (typeof obj?.metadata !== 'object' || obj.metadata === null) {
      console.error(`etcd store: ${kv.key.toString()} does not hold a JSON object with metadata; ignored`);
      return undefined;
    }
    obj.metadata = { ...obj.metadata, resourceVersion: String(kv.mod_revision) };
    return obj;
  }

  private apply(res: IWatchResponse): void {
    for (const ev of res.events) {
      const rv = Number(ev.kv.mod_revision);
      const id = parseEtcdKey(ev.kv.key.toString());
      if (rv <= this.rv) continue; // already in the snapshot (a reconnected watch may repeat)
      this.rv = rv;
      if (!id) continue;
      let event: StoreEvent | undefined;
      if (ev.type === 'Put') {
        const obj = this.decode(ev.kv);
        if (!obj) continue;
        const previous = this.cache.set(id.type, id.key, obj);
        event = { rv, type: previous ? 'MODIFIED' : 'ADDED', typeKey: id.type, object: obj, previous };
      } else {
        const previous = this.cache.set(id.type, id.key, undefined);
        // Watchers get the last state, at the revision of its deletion (as upstream's watch).
        if (previous) event = { rv, type: 'DELETED', typeKey: id.type, object: { ...previous, metadata: { ...previous.metadata, resourceVersion: String(rv) } }, previous };
      }
      if (event) this.cache.announce(event);
    }
    for (const check of this.waiters) check();
  }

  private lost(err: Error): void {
    if (this.closed) return;
    console.error(`etcd store: the watch on etcd ended (${err.message}); the cache cannot follow etcd any more`);
    if (this.opts.onLost) this.opts.onLost(err);
    else process.exit(70);
  }

  /** Resolves once cond holds for the cache (checked after each watch response). */
  private until(cond: () => boolean, timeoutMs = echoTimeoutMs): Promise<void> {
    if (cond()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!cond()) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`etcd store: the watch did not deliver revision state within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  get resourceVersion(): number {
    return this.rv;
  }

  get durableResourceVersion(): number {
    return this.rv; // the cache holds only what etcd has committed
  }

  async write(op: 'put' | 'del', type: string, key: string, obj: KubeObject): Promise<KubeObject> {
    if (this.closed) throw new Error('the store is closed');
    const current = this.cache.get(type, key);
    const { resourceVersion: _, ...meta } = obj.metadata;
    if (op === 'del' && !current) return obj; // nothing to delete: etcd's revision would not move
    const k = Buffer.from(etcdKey(type, key));
    // Serialized first: an object that cannot be written changes nothing.
    const value = op === 'put' ? Buffer.from(JSON.stringify({ ...obj, metadata: meta })) : undefined;
    const res = await this.client.kv.txn({
      compare: [current ? { key: k, target: 'Mod', result: 'Equal', mod_revision: current.metadata.resourceVersion! } : { key: k, target: 'Version', result: 'Equal', version: 0 }],
      success: [value ? { request_put: { key: k, value } } : { request_delete_range: { key: k } }],
      failure: [],
    });
    if (!res.succeeded) {
      // Someone else wrote it: let the cache catch up with the revision the txn saw, so the caller's
      // retry reads what etcd held then or later (the key may have moved on again meanwhile).
      const seen = Number(res.header.revision);
      await this.until(() => this.rv >= seen);
      throw new ConflictError(type, key);
    }
    const rv = Number(res.header.revision);
    await this.until(() => this.rv >= rv);
    return { ...obj, metadata: { ...meta, resourceVersion: String(rv) } };
  }

  /** Waits until the cache has caught up with etcd's current revision (writes by other API servers too). */
  async sync(): Promise<void> {
    const res = await this.client.kv.range({ key: Buffer.from(compactRevKey), count_only: true });
    const revision = Number(res.header.revision);
    await this.until(() => this.rv >= revision);
  }

  /** Compacts etcd's history up to rv (default: now); watches from before it get 410 Gone. */
  async compact(rv = this.rv): Promise<void> {
    if (rv <= this.cache.compactedRV) return;
    await this.client.put(compactRevKey).value(String(rv));
    try {
      await this.client.kv.compact({ revision: rv });
    } catch (e) {
      if (!/compacted/.test((e as Error).message)) throw e;
    }
    this.cache.compact(rv);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.compactTimer);
    void this.watcher?.cancel().catch(() => undefined);
    this.client.close();
  }
}
