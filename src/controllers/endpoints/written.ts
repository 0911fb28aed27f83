// What this controller wrote last, so a sync right after a write does not read
// the informer's older copy and hit a 409 (upstream's endpointSliceTracker).
import type { KubeObject } from '../../api/types.js';

const rv = (o: KubeObject): number => Number(o.metadata.resourceVersion ?? 0);
const key = (o: KubeObject): string => `${o.metadata.namespace}/${o.metadata.name}`;

export class WrittenCache<T extends KubeObject> {
  private readonly objects = new Map<string, T>();
  /** Objects we deleted, by the resourceVersion of the copy deleted: that copy or older is stale, a newer object is a new one. */
  private readonly deleted = new Map<string, number>();

  remember(obj: T): void {
    this.objects.set(key(obj), obj);
    this.deleted.delete(key(obj));
  }

  forget(obj: T): void {
    this.objects.delete(key(obj));
    this.deleted.set(key(obj), rv(obj));
  }

  /** Whether obj is (a copy of) an object we deleted; a later object of the same name is not. */
  private isDeleted(obj: T): boolean {
    const at = this.deleted.get(key(obj));
    return at !== undefined && rv(obj) <= at;
  }

  /** The newer of the informer's copy and ours, or undefined when we deleted it. */
  fresher(obj: T | undefined): T | undefined {
    if (!obj || this.isDeleted(obj)) return undefined;
    const mine = this.objects.get(key(obj));
    return mine && rv(mine) > rv(obj) ? mine : obj;
  }

  /** The current view of one object: the informer's copy or ours, whichever is newer; undefined when deleted. */
  get(k: string, fromInformer: T | undefined): T | undefined {
    return fromInformer ? this.fresher(fromInformer) : this.objects.get(k);
  }

  /** Drops entries the informer has caught up with (called on informer events). */
  caughtUp(obj: T): void {
    const mine = this.objects.get(key(obj));
    if (mine && rv(obj) >= rv(mine)) this.objects.delete(key(obj));
    // A newer object of a name we deleted (made again): the deletion mark is done with.
    if (!this.isDeleted(obj)) this.deleted.delete(key(obj));
  }

  /** The informer saw it deleted. Its delete event may come before our DELETE call returns, so forget() may still follow. */
  gone(obj: KubeObject): void {
    this.objects.delete(key(obj));
    this.deleted.delete(key(obj));
  }
}
