// What both store backends keep in memory: objects by type and key, a bounded
// history of events so watches can resume from a resourceVersion, and the
// listeners of live events. The backends decide when memory changes and when
// an event is announced (after the WAL flush, or when etcd's watch delivers it).
import type { KubeObject, WatchEventType } from '../api/types.js';

export interface StoreEvent {
  rv: number;
  type: Exclude<WatchEventType, 'BOOKMARK' | 'ERROR'>;
  typeKey: string;
  object: KubeObject;
  previous?: KubeObject;
}

export type Listener = (event: StoreEvent) => void;

export class TooOldError extends Error {
  constructor(readonly requested: number, readonly oldest: number) {
    super(`too old resource version: ${requested} (${oldest})`);
  }
}

export class ObjectCache {
  private readonly data = new Map<string, Map<string, KubeObject>>();
  private history: StoreEvent[] = [];
  /** Watches may resume from any rv >= compactedRV; older ones get 410 Gone. */
  compactedRV = 0;
  private readonly listeners = new Set<Listener>();

  constructor(private readonly historySize: number) {}

  bucket(type: string): Map<string, KubeObject> {
    let b = this.data.get(type);
    if (!b) {
      b = new Map();
      this.data.set(type, b);
    }
    return b;
  }

  types(): IterableIterator<[string, Map<string, KubeObject>]> {
    return this.data.entries();
  }

  /** Stores obj under key, or removes key when obj is undefined; returns what was there. */
  set(type: string, key: string, obj: KubeObject | undefined): KubeObject | undefined {
    const bucket = this.bucket(type);
    const previous = bucket.get(key);
    if (obj) bucket.set(key, obj);
    else bucket.delete(key);
    return previous;
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

  /** Adds an event to the history (replay at start: nobody listens yet). */
  remember(event: StoreEvent): void {
    this.history.push(event);
    if (this.history.length > this.historySize * 2) {
      const dropped = this.history.length - this.historySize;
      this.compactedRV = this.history[dropped - 1]!.rv;
      this.history = this.history.slice(dropped);
    }
  }

  /** Adds an event to the history and tells every listener. */
  announce(event: StoreEvent): void {
    this.remember(event);
    for (const l of this.listeners) l(event);
  }

  /** Forgets the history up to rv (the backend compacted it away). */
  compact(rv: number): void {
    if (rv <= this.compactedRV) return;
    this.history = this.history.slice(this.firstAfter(rv));
    this.compactedRV = rv;
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
}

/** The reads both store backends answer from their cache alike. */
export abstract class CachedReads {
  protected constructor(protected readonly cache: ObjectCache) {}

  get(type: string, key: string): KubeObject | undefined {
    return this.cache.get(type, key);
  }

  list(type: string, namespace?: string): KubeObject[] {
    return this.cache.list(type, namespace);
  }

  count(type: string): number {
    return this.cache.count(type);
  }

  subscribe(fromRV: number, listener: Listener): () => void {
    return this.cache.subscribe(fromRV, listener);
  }
}
