// What this controller wrote last, so a sync right after a write does not read
// the informer's older copy and hit a 409 (upstream's endpointSliceTracker).
import type { KubeObject } from '../../api/types.js';

const rv = (o: KubeObject): number => Number(o.metadata.resourceVersion ?? 0);
const key = (o: KubeObject): string => `${o.metadata.namespace}/${o.metadata.name}`;

export class WrittenCache<T extends KubeObject> {
  private readonly objects = new Map<string, T>();
  private readonly deleted = new Map<string, number>();

  remember(obj: T): void {
    this.objects.set(key(obj), obj);
    this.deleted.delete(key(obj));
  }

  forget(obj: KubeObject): void {
    this.objects.delete(key(obj));
    this.deleted.set(key(obj), Date.now());
  }

  /** The newer of the informer's copy and ours, or undefined when we deleted it. */
  fresher(obj: T | undefined): T | undefined {
    if (!obj) return undefined;
    if (this.deleted.has(key(obj))) return undefined;
    const mine = this.objects.get(key(obj));
    return mine && rv(mine) > rv(obj) ? mine : obj;
  }

  /** The current view of one object: the informer's copy or ours, whichever is newer; undefined when deleted. */
  get(k: string, fromInformer: T | undefined): T | undefined {
    if (this.deleted.has(k)) return undefined;
    return fromInformer ? this.fresher(fromInformer) : this.objects.get(k);
  }

  /** Drops entries the informer has caught up with (called on informer events). */
  caughtUp(obj: T): void {
    const mine = this.objects.get(key(obj));
    if (mine && rv(obj) >= rv(mine)) this.objects.delete(key(obj));
  }

  gone(obj: KubeObject): void {
    this.objects.delete(key(obj));
    this.deleted.delete(key(obj));
  }
}
