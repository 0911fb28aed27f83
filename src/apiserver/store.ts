// The API server's embedded store: objects in memory, every write in the WAL
// before it is acknowledged or shown to watchers, periodic snapshots, and a
// bounded event history so watches can resume from a resourceVersion.
import fs from 'node:fs';
import path from 'node:path';
import type { KubeObject, WatchEventType } from '../api/types.js';
import { WriteAheadLog, type WalRecord } from './wal.js';

export interface StoreEvent {
  rv: number;
  type: Exclude<WatchEventType, 'BOOKMARK' | 'ERROR'>;
  typeKey: string;
  object: KubeObject;
  previous?: KubeObject;
}

export type Listener = (event: StoreEvent) => void;

interface Snapshot {
  rv: number;
  objects: { type: string; key: string; obj: KubeObject }[];
}

export interface StoreOptions {
  historySize?: number;
  snapshotEvery?: number;
}

export class TooOldError extends Error {
  constructor(readonly requested: number, readonly oldest: number) {
    super(`too old resource version: ${requested} (${oldest})`);
  }
}

export class Store {
  private rv = 0;
  /** The newest rv that is on disk and has been announced to listeners. */
  private announcedRV = 0;
  private readonly data = new Map<string, Map<string, KubeObject>>();
  private history: StoreEvent[] = [];
  /** Watches may resume from any rv >= compactedRV; older ones get 410 Gone. */
  private compactedRV = 0;
  private readonly listeners = new Set<Listener>();
  private readonly wal: WriteAheadLog;
  private readonly historySize: number;
  private readonly snapshotEvery: number;
  private readonly snapshotFile: string;

  constructor(readonly dir: string, opts: StoreOptions = {}) {
    this.historySize = opts.historySize ?? 100_000;
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
      for (const o of snap.objects) this.bucket(o.type).set(o.key, o.obj);
      this.rv = snap.rv;
      this.compactedRV = snap.rv;
    }
    // Replayed records also refill the watch history, so watches survive a restart.
    for (const rec of WriteAheadLog.read(walFile)) {
      if (rec.rv <= this.rv) continue;
      this.applyRecord(rec);
    }
    this.announcedRV = this.rv;
  }

  private applyRecord(rec: WalRecord): void {
    const bucket = this.bucket(rec.type);
    const previous = bucket.get(rec.key);
    const obj = rec.obj as KubeObject;
    if (rec.op === 'put') bucket.set(rec.key, obj);
    else bucket.delete(rec.key);
    this.rv = rec.rv;
    const type = rec.op === 'del' ? 'DELETED' : previous ? 'MODIFIED' : 'ADDED';
    this.remember({ rv: rec.rv, type, typeKey: rec.type, object: obj, previous });
  }

  /** Writes all objects atomically (tmp + fsync + rename), then empties the WAL. */
  snapshot(): void {
    const objects: Snapshot['objects'] = [];
    for (const [type, bucket] of this.data) for (const [key, obj] of bucket) objects.push({ type, key, obj });
    const tmp = `${this.snapshotFile}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    fs.writeSync(fd, JSON.stringify({ rv: this.rv, objects } satisfies Snapshot));
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, this.snapshotFile);
    this.wal.truncate();
  }

  private bucket(type: string): Map<string, KubeObject> {
    let b = this.data.get(type);
    if (!b) {
      b = new Map();
      this.data.set(type, b);
    }
    return b;
  }

  private remember(event: StoreEvent): void {
    this.history.push(event);
    if (this.history.length > this.historySize * 2) {
      const dropped = this.history.length - this.historySize;
      this.compactedRV = this.history[dropped - 1]!.rv;
      this.history = this.history.slice(dropped);
    }
  }

  get resourceVersion(): number {
    return this.rv;
  }

  get durableResourceVersion(): number {
    return this.announcedRV;
  }

  get(type: string, key: string): KubeObject | undefined {
    return this.data.get(type)?.get(key);
  }

  list(type: string, namespace?: string): KubeObject[] {
    const bucket = this.data.get(type);
    if (!bucket) return [];
    if (!namespace) return [...bucket.values()];
    const prefix = `${namespace}/`;
    const out: KubeObject[] = [];
    for (const [key, obj] of bucket) if (key.startsWith(prefix)) out.push(obj);
    return out;
  }

  count(type: string): number {
    return this.data.get(type)?.size ?? 0;
  }

  /**
   * Stores obj (put) or removes key (del). The object gets the next resourceVersion.
   * Memory changes at once so later writes see it; the promise resolves (and
   * watchers hear of it) only once the record is durable.
   */
  async write(op: 'put' | 'del', type: string, key: string, obj: KubeObject): Promise<KubeObject> {
    const bucket = this.bucket(type);
    const previous = bucket.get(key);
    const rv = this.rv + 1;
    const stored: KubeObject = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(rv) } };
    // Serialized before memory changes: an object that cannot be written leaves the store as it was.
    const durable = this.wal.append({ rv, op, type, key, obj: stored });
    this.rv = rv;
    if (op === 'put') bucket.set(key, stored);
    else bucket.delete(key);
    try {
      await durable;
    } catch (e) {
      if (this.wal.closed) throw e; // shutting down: the caller gets an error, nothing was acknowledged
      // Memory is now ahead of disk: stop, so the supervisor restarts us from what is durable.
      console.error(`store: WAL write failed, exiting: ${(e as Error).message}`);
      process.exit(70);
    }
    const event: StoreEvent = { rv, type: op === 'del' ? 'DELETED' : previous ? 'MODIFIED' : 'ADDED', typeKey: type, object: stored, previous };
    this.remember(event);
    this.announcedRV = rv;
    for (const l of this.listeners) l(event);
    return stored;
  }

  /**
   * Subscribes to events after fromRV. Past events still in history are
   * replayed first; throws TooOldError when they have been compacted away.
   */
  subscribe(fromRV: number, listener: Listener): () => void {
    if (fromRV < this.compactedRV) throw new TooOldError(fromRV, this.compactedRV + 1);
    for (let i = this.firstAfter(fromRV); i < this.history.length; i++) listener(this.history[i]!);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Index of the first history event with rv > fromRV (history is sorted by rv). */
  private firstAfter(fromRV: number): number {
    let lo = 0;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.history[mid]!.rv <= fromRV) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  close(): void {
    this.wal.close();
  }
}
