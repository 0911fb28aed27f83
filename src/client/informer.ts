// A client-go style informer: list, then watch from the list's resourceVersion,
// keeping a local cache and calling handlers. A broken watch resumes from the
// last seen resourceVersion; a 410 Gone (or an API server that lost history)
// triggers a relist whose differences are delivered as add/update/delete.
import { ApiError } from '../api/errors.js';
import type { ResourceType } from '../api/resources.js';
import type { KubeObject } from '../api/types.js';
import { sleep } from '../util/poll.js';
import type { ApiClient, ListOptions, Watch } from './client.js';

export interface Handlers<T extends KubeObject> {
  add?(obj: T): void;
  update?(obj: T, old: T): void;
  delete?(obj: T): void;
}

export function cacheKey(obj: KubeObject): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name!;
}

export class Informer<T extends KubeObject = KubeObject> {
  private readonly cache = new Map<string, T>();
  private readonly handlers: Handlers<T>[] = [];
  private lastRV = '';
  private stopped = false;
  private current?: Watch;
  private syncedResolve!: () => void;
  /** Resolves once the first list has been delivered to the handlers. */
  readonly synced: Promise<void> = new Promise((r) => (this.syncedResolve = r));

  constructor(
    private readonly client: ApiClient,
    readonly type: ResourceType,
    private readonly opts: ListOptions & { namespace?: string } = {},
  ) {}

  on(h: Handlers<T>): this {
    this.handlers.push(h);
    return this;
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  start(): this {
    void this.run();
    return this;
  }

  stop(): void {
    this.stopped = true;
    this.current?.stop();
  }

  private emit(kind: 'add' | 'update' | 'delete', obj: T, old?: T): void {
    for (const h of this.handlers) {
      try {
        if (kind === 'add') h.add?.(obj);
        else if (kind === 'update') h.update?.(obj, old!);
        else h.delete?.(obj);
      } catch (e) {
        console.error(`informer ${this.type.plural}: handler failed:`, e);
      }
    }
  }

  private async relist(): Promise<void> {
    const list = await this.client.list<T>(this.type, this.opts.namespace, this.opts);
    const seen = new Set<string>();
    for (const obj of list.items) {
      const key = cacheKey(obj);
      seen.add(key);
      const old = this.cache.get(key);
      this.cache.set(key, obj);
      if (!old) this.emit('add', obj);
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.emit('update', obj, old);
    }
    for (const [key, old] of [...this.cache]) {
      if (!seen.has(key)) {
        this.cache.delete(key);
        this.emit('delete', old);
      }
    }
    this.lastRV = list.metadata.resourceVersion;
    this.syncedResolve();
  }

  private async run(): Promise<void> {
    let backoff = 100;
    let needList = true;
    while (!this.stopped) {
      try {
        if (needList) await this.relist();
        needList = false;
        this.current = await this.client.watch(this.type, this.opts.namespace, this.lastRV, { ...this.opts, timeoutSeconds: 300 + Math.floor(Math.random() * 300) });
        backoff = 100;
        for await (const ev of this.current.events) {
          if (ev.type === 'ERROR') {
            needList = true; // 410 Gone: our resourceVersion is older than the server's history
            break;
          }
          const obj = ev.object as T;
          if (obj.metadata?.resourceVersion) this.lastRV = obj.metadata.resourceVersion;
          if (ev.type === 'BOOKMARK') continue;
          const key = cacheKey(obj);
          const old = this.cache.get(key);
          if (ev.type === 'DELETED') {
            this.cache.delete(key);
            if (old) this.emit('delete', obj);
          } else {
            this.cache.set(key, obj);
            if (old) this.emit('update', obj, old);
            else this.emit('add', obj);
          }
        }
      } catch (e) {
        if (this.stopped) return;
        if (e instanceof ApiError && e.code === 410) needList = true;
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 2000);
      }
    }
  }
}
