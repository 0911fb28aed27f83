// What one of our sets/maps holds, so a sync sends only the elements that
// changed (kube-proxy's nftElementStorage): ensure() the wanted ones during a
// sync, then deleteLeftovers() removes the rest.
import type { Element, Transaction } from './transaction.js';

export class ElementStore {
  private readonly elements = new Map<string, string>();
  private leftovers = new Set<string>();

  constructor(readonly kind: 'set' | 'map', readonly name: string) {}

  get size(): number {
    return this.elements.size;
  }

  /** Forgets everything and flushes the container (full syncs). */
  reset(tx: Transaction): void {
    this.elements.clear();
    this.leftovers.clear();
    tx.flushSet(this.kind, this.name);
  }

  ensure(tx: Transaction, e: Element): void {
    const key = e.key.join(' . ');
    const value = e.value ?? '';
    const existing = this.elements.get(key);
    this.leftovers.delete(key);
    if (existing === value) return;
    if (existing !== undefined) tx.deleteElement(this.name, e.key);
    tx.addElement(this.name, e);
    this.elements.set(key, value);
  }

  /** Deletes what no ensure() asked for since the last call, and starts the next round. */
  deleteLeftovers(tx: Transaction): void {
    for (const key of this.leftovers) {
      tx.deleteElement(this.name, key.split(' . '));
      this.elements.delete(key);
    }
    this.leftovers = new Set(this.elements.keys());
  }
}
