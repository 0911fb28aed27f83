// The books that say which offsets of a range (service IPs, nodePorts) are held,
// and a picker that hands out free ones at random, with an upper "dynamic" band
// tried first so low values stay free for users who pick their own (upstream's
// service IP and nodePort allocators do the same).

/** Who holds an allocated value: the Service it was taken for. */
export interface Owner {
  namespace?: string;
  name?: string;
  uid?: string;
}

/** Which offsets of one range are held. take() and release() are the only writes. */
export interface AllocationBook {
  readonly size: number;
  /** Offsets below this are only used when the upper band is full. */
  readonly dynamicFrom: number;
  has(offset: number): boolean;
  inRange(offset: number): boolean;
  /** Takes offset for owner; false when it was already held (by anyone). */
  take(offset: number, owner: Owner): Promise<boolean>;
  /** Gives offset back; with an owner, only when that owner holds it. */
  release(offset: number, owner?: Owner): Promise<void>;
}

/** A free offset of book (upper band first) not in skip; undefined when full. */
export function pickFree(book: AllocationBook, skip: ReadonlySet<number> = new Set()): number | undefined {
  for (const [lo, hi] of [
    [book.dynamicFrom, book.size],
    [0, book.dynamicFrom],
  ] as const) {
    const span = hi - lo;
    if (span <= 0) continue;
    const start = lo + Math.floor(Math.random() * span);
    for (let i = 0; i < span; i++) {
      const candidate = lo + ((start - lo + i) % span);
      if (!book.has(candidate) && !skip.has(candidate)) return candidate;
    }
  }
  return undefined;
}

/** The embedded store's book: the API server's memory, rebuilt from the stored Services at start (it is the only writer). */
export class RangeAllocator implements AllocationBook {
  private readonly used = new Set<number>();

  constructor(
    readonly size: number,
    readonly dynamicFrom: number,
    /** Offsets never handed out (e.g. network and broadcast addresses). */
    readonly reserved: Set<number> = new Set(),
  ) {}

  has(offset: number): boolean {
    return this.used.has(offset) || this.reserved.has(offset);
  }

  inRange(offset: number): boolean {
    return Number.isInteger(offset) && offset >= 0 && offset < this.size;
  }

  /** Marks an offset used at once (no other writer to wait for); false when it already was. */
  takeNow(offset: number): boolean {
    if (this.has(offset) || !this.inRange(offset)) return false;
    this.used.add(offset);
    return true;
  }

  take(offset: number): Promise<boolean> {
    return Promise.resolve(this.takeNow(offset));
  }

  release(offset: number): Promise<void> {
    this.used.delete(offset);
    return Promise.resolve();
  }

  get free(): number {
    return this.size - this.used.size - this.reserved.size;
  }
}
