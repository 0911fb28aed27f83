// A set of small integers (offsets in a range) handed out at random, with an
// upper "dynamic" band tried first so low values stay free for users who pick
// their own (upstream's service IP and nodePort allocators do the same).

export class RangeAllocator {
  private readonly used = new Set<number>();

  constructor(
    readonly size: number,
    /** Offsets below this are only used when the upper band is full. */
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

  /** Marks an offset used; false when it already was. */
  take(offset: number): boolean {
    if (this.has(offset) || !this.inRange(offset)) return false;
    this.used.add(offset);
    return true;
  }

  release(offset: number): void {
    this.used.delete(offset);
  }

  /** A free offset (upper band first), not yet taken; undefined when full. */
  pick(): number | undefined {
    for (const [lo, hi] of [
      [this.dynamicFrom, this.size],
      [0, this.dynamicFrom],
    ] as const) {
      const span = hi - lo;
      if (span <= 0) continue;
      const start = lo + Math.floor(Math.random() * span);
      for (let i = 0; i < span; i++) {
        const candidate = lo + ((start - lo + i) % span);
        if (!this.has(candidate)) return candidate;
      }
    }
    return undefined;
  }

  get free(): number {
    return this.size - this.used.size - this.reserved.size;
  }
}
