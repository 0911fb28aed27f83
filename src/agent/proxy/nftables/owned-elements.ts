// One set or map of an nft table, with who (which service port) wants each element, so
// a partial sync touches only the elements of the services that changed. An
// element several services want (a cluster IP with two ports, a hairpin pair
// of a pod behind two services) stays until the last of them lets it go.
import type { Element, Transaction } from './transaction.js';

interface Held {
  value: string;
  element: Element;
  /** One owner (the common case, no Set allocated) or several. */
  owners: string | Set<string>;
}

const keyOf = (e: Element): string => e.key.join(' . ');
const valueOf = (e: Element): string => (e.comment ? `${e.value ?? ''} # ${e.comment}` : (e.value ?? ''));
const hasOther = (h: Held, owner: string): boolean => (typeof h.owners === 'string' ? h.owners !== owner : [...h.owners].some((o) => o !== owner));

export class OwnedElements {
  private readonly held = new Map<string, Held>();
  private readonly byOwner = new Map<string, Set<string>>();
  /** How many elements map to each value (vmaps: which chains are in use). */
  private readonly values = new Map<string, number>();

  constructor(readonly kind: 'set' | 'map', readonly name: string) {}

  get size(): number {
    return this.held.size;
  }

  /** Values in use (count > 0), e.g. "goto endpoints-2". */
  usedValues(): string[] {
    return [...this.values.keys()];
  }

  /** Everything forgotten and the kernel's container flushed (full syncs). */
  reset(tx: Transaction): void {
    this.held.clear();
    this.byOwner.clear();
    this.values.clear();
    tx.flushSet(this.kind, this.name);
  }

  /** Drops the owner's claim on every element it no longer wants; the last claim gone deletes the element. */
  release(tx: Transaction, owner: string, keep: Element[] = []): void {
    const mine = this.byOwner.get(owner);
    if (!mine) return;
    const kept = new Set(keep.map(keyOf));
    for (const key of [...mine]) {
      if (kept.has(key)) continue;
      mine.delete(key);
      const h = this.held.get(key)!;
      if (typeof h.owners === 'string' || (h.owners.delete(owner) && h.owners.size === 0)) this.drop(tx, key, h);
      else if (h.owners.size === 1) h.owners = [...h.owners][0]!;
    }
    if (mine.size === 0) this.byOwner.delete(owner);
  }

  /** Claims the elements for the owner, adding or replacing what the kernel lacks. Call release() for every changed owner first. */
  claim(tx: Transaction, owner: string, wanted: Element[]): void {
    for (const e of wanted) this.claimOne(tx, owner, e);
  }

  claimOne(tx: Transaction, owner: string, e: Element): void {
    const key = keyOf(e);
    const value = valueOf(e);
    let h = this.held.get(key);
    if (h && h.value !== value) {
      // Another owner's element with another value (two services claiming one nodePort): the first one keeps it.
      if (hasOther(h, owner)) return;
      this.drop(tx, key, h);
      h = undefined;
    }
    if (!h) this.add(tx, key, { value, element: e, owners: owner });
    else if (typeof h.owners === 'string') {
      if (h.owners !== owner) h.owners = new Set([h.owners, owner]);
    } else h.owners.add(owner);
    const mine = this.byOwner.get(owner);
    if (mine) mine.add(key);
    else this.byOwner.set(owner, new Set([key]));
  }

  private add(tx: Transaction, key: string, h: Held): void {
    this.held.set(key, h);
    const v = h.element.value ?? '';
    this.values.set(v, (this.values.get(v) ?? 0) + 1);
    tx.addElement(this.name, h.element);
  }

  private drop(tx: Transaction, key: string, h: Held): void {
    this.held.delete(key);
    const v = h.element.value ?? '';
    const n = (this.values.get(v) ?? 1) - 1;
    if (n > 0) this.values.set(v, n);
    else this.values.delete(v);
    tx.deleteElement(this.name, h.element.key);
  }
}
