// The book of a range shared by several API servers on one etcd: one key per held
// value (/registry/ranges/serviceips/<ip>, /registry/ranges/servicenodeports/<port>),
// taken with a create that the store refuses when the key exists (etcd: version 0),
// released with a delete guarded by the key's mod revision. So two API servers never
// hand out the same value: the second create loses and its allocator picks again.
import { timestamp, type KubeObject } from '../../api/types.js';
import { ConflictError, type ObjectStore } from '../store.js';
import type { AllocationBook, Owner } from './allocator.js';

/** What a held value's key stores: who holds it, and since when (the repair loop's grace period). */
export interface Allocation extends KubeObject {
  owner: Owner;
}

/** The store type keys of the shared books (etcd: /registry/ranges/serviceips/<ip>, /registry/ranges/servicenodeports/<port>). */
export const rangeTypes = { ips: 'ranges/serviceips', ports: 'ranges/servicenodeports' } as const;

/** How often a release is redone when the key changed under it. */
const releaseRetries = 10;

export class StoreBook implements AllocationBook {
  constructor(
    private readonly store: ObjectStore,
    /** The store type key, e.g. "ranges/serviceips". */
    readonly type: string,
    readonly size: number,
    readonly dynamicFrom: number,
    private readonly reserved: ReadonlySet<number>,
    /** The key of an offset ("10.96.0.12", "30080") and back (undefined: not one of this range's). */
    readonly keyOf: (offset: number) => string,
    readonly offsetOf: (key: string) => number | undefined,
  ) {}

  has(offset: number): boolean {
    return this.reserved.has(offset) || this.store.get(this.type, this.keyOf(offset)) !== undefined;
  }

  inRange(offset: number): boolean {
    return Number.isInteger(offset) && offset >= 0 && offset < this.size;
  }

  async take(offset: number, owner: Owner): Promise<boolean> {
    if (this.has(offset) || !this.inRange(offset)) return false;
    const key = this.keyOf(offset);
    const allocation: Allocation = { apiVersion: 'v1', kind: 'Allocation', metadata: { name: key, creationTimestamp: timestamp() }, owner };
    try {
      await this.store.write('put', this.type, key, allocation);
      return true;
    } catch (e) {
      if (e instanceof ConflictError) return false; // another API server took it first
      throw e;
    }
  }

  async release(offset: number, owner?: Owner): Promise<void> {
    const key = this.keyOf(offset);
    for (let i = 0; i < releaseRetries; i++) {
      const held = this.store.get(this.type, key) as Allocation | undefined;
      if (!held || (owner?.uid && held.owner.uid && held.owner.uid !== owner.uid)) return;
      try {
        await this.store.write('del', this.type, key, held);
        return;
      } catch (e) {
        if (!(e instanceof ConflictError)) throw e;
      }
    }
  }

  /** Every held value's key and what it stores. */
  held(): Allocation[] {
    return this.store.list(this.type) as Allocation[];
  }
}
