// The API server's embedded store: objects in memory, every write in the WAL
// before it is acknowledged or shown to watchers, periodic snapshots, and a
// bounded event history so watches can resume from a resourceVersion.
import fs from 'node:fs';
import path from 'node:path';
import type { KubeObject } from '../api/types.js';
import { CachedReads, ObjectCache, type Listener, type StoreEvent } from './cache.js';
import { WriteAheadLog, type WalRecord } from './wal.js';

export { TooOldError, type StoreEvent } from './cache.js';

/** What the registry, watches and controllers need from a store; the embedded Store and the EtcdStore provide it. */
export interface ObjectStore {
  /** The newest resourceVersion whose change memory holds. */
  readonly resourceVersion: number;
  /** The newest resourceVersion that is durable and has been announced to listeners. */
  readonly durableResourceVersion: number;
  get(type: string, key: string): KubeObject | undefined;
  list(type: string, namespace?: string): KubeObject[];
  count(type: string): number;
  /**
   * Stores obj (put) or removes key (del); resolves with the stored object once it is durable and
   * get/list show it. Throws ConflictError when the key changed since what get() showed (another writer).
   */
  write(op: 'put' | 'del', type: string, key: string, obj: KubeObject): Promise<KubeObject>;
  /** Events after fromRV (history first, then live); throws TooOldError when fromRV is compacted away. */
  subscribe(fromRV: number, listener: Listener): () => void;
  /**
   * Resolves once memory holds every write committed anywhere before the call (a consistent read, as
   * upstream's reads from the watch cache); absent where memory is the source of truth.
   */
  sync?(): Promise<void>;
  close(): void;
}

/** The stored object is no longer the one the write was computed from; the caller re-reads and retries. */
export class ConflictError extends Error {
  constructor(readonly type: string, readonly key: string) {
    super(`${type} ${key} changed since it was read`);
  }
}

interface Snapshot {
  rv: number;
  objects: { type: string; key: string; obj: KubeObject }[];
}

export interface StoreOptions {
  historySize?: number;
  snapshotEvery?: number;
}

export class Store extends CachedReads implements ObjectStore {
  private rv = 0;
  /** The newest rv that is on disk and has been announced to listeners. */
  private announcedRV = 0;
  private readonly wal: WriteAheadLog;
  private readonly snapshotEvery: number;
  private readonly snapshotFile: string;

  constructor(readonly dir: string, opts: StoreOptions = {}) {
    super(new ObjectCache(opts.historySize ?? 100_000));
    this.snapshotEvery = opts.snapshotEvery ?? 20_000;
    // Objects and Secrets live here: root only.
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(dir, 0o700);
    this.snapshotFile = path.join(dir, 'snapshot.json');
    const walFile = path.join(dir, 'wal.log');
    this.load(walFile);
    this.wal = new WriteAheadLog(walFile);
    this.wal.afterFlush = () => {
      if (this.wal.records >= this.snapshotEvery) this.snapshot();
    };
  }

  private load(walFile: string): void {
    if (fs.existsSync(this.snapshotFile)) {
      const snap = JSON.parse(fs.readFileSync(this.snapshotFile, 'utf8')) as Snapshot;
      for (const o of snap.objects) this.cache.set(o.type, o.key, o.obj);
      this.rv = snap.rv;
      this.cache.compactedRV = snap.rv;
    }
    // Replayed records also refill the watch history, so watches survive a restart.
    for (const rec of WriteAheadLog.read(walFile)) {
      if (rec.rv <= this.rv) continue;
      this.applyRecord(rec);
    }
    this.announcedRV = this.rv;
  }

  private applyRecord(rec: WalRecord): void {
    const obj = rec.obj as KubeObject;
    const previous = this.cache.set(rec.type, rec.key, rec.op === 'put' ? obj : undefined);
    this.rv = rec.rv;
    const type = rec.op === 'del' ? 'DELETED' : previous ? 'MODIFIED' : 'ADDED';
    this.cache.remember({ rv: rec.rv, type, typeKey: rec.type, object: obj, previous });
  }

  /** Writes all objects atomically (tmp + fsync + rename), then empties the WAL. */
  snapshot(): void {
    const objects: Snapshot['objects'] = [];
    for (const [type, bucket] of this.cache.types()) for (const [key, obj] of bucket) objects.push({ type, key, obj });
    const tmp = `${this.snapshotFile}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    fs.writeSync(fd, JSON.stringify({ rv: this.rv, objects } satisfies Snapshot));
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, this.snapshotFile);
    this.wal.truncate();
  }

  get resourceVersion(): number {
    return this.rv;
  }

  get durableResourceVersion(): number {
    return this.announcedRV;
  }

  /**
   * Stores obj (put) or removes key (del). The object gets the next resourceVersion.
   * Memory changes at once so later writes see it; the promise resolves (and
   * watchers hear of it) only once the record is durable.
   */
  async write(op: 'put' | 'del', type: string, key: string, obj: KubeObject): Promise<KubeObject> {
    const previous = this.cache.get(type, key);
    const rv = this.rv + 1;
    const stored: KubeObject = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(rv) } };
    // Serialized before memory changes: an object that cannot be written leaves the store as it was.
    const durable = this.wal.append({ rv, op, type, key, obj: stored });
    this.rv = rv;
    this.cache.set(type, key, op === 'put' ? stored : undefined);
    try {
      await durable;
    } catch (e) {
      if (this.wal.closed) throw e; // shutting down: the caller gets an error, nothing was acknowledged
      // Memory is now ahead of disk: stop, so the supervisor restarts us from what is durable.
      console.error(`store: WAL write failed, exiting: ${(e as Error).message}`);
      process.exit(70);
    }
    const event: StoreEvent = { rv, type: op === 'del' ? 'DELETED' : previous ? 'MODIFIED' : 'ADDED', typeKey: type, object: stored, previous };
    this.announcedRV = rv;
    this.cache.announce(event);
    return stored;
  }

  close(): void {
    this.wal.close();
  }
}
