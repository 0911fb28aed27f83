// Round robin with ClientIP affinity, as the userspace proxier's load balancer:
// an affinity entry lives for the service's timeout and is dropped when its
// endpoint fails, so the next try goes elsewhere.

export interface Target {
  ip: string;
  port: number;
}

export class RoundRobin {
  private next = 0;
  private readonly affinity = new Map<string, { target: string; lastUsed: number }>();

  constructor(
    private targets: Target[],
    private affinitySeconds: number | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  update(targets: Target[], affinitySeconds: number | undefined): void {
    const keys = new Set(targets.map((t) => `${t.ip}:${t.port}`));
    for (const [client, a] of this.affinity) if (!keys.has(a.target)) this.affinity.delete(client);
    if (affinitySeconds === undefined) this.affinity.clear();
    this.targets = targets;
    this.affinitySeconds = affinitySeconds;
  }

  get size(): number {
    return this.targets.length;
  }

  /** The endpoint for this client; `exclude` holds endpoints that already failed this connection. */
  pick(client: string, exclude: Set<string>): Target | undefined {
    const now = this.now();
    if (this.affinitySeconds !== undefined) {
      const a = this.affinity.get(client);
      if (a && now - a.lastUsed < this.affinitySeconds * 1000 && !exclude.has(a.target)) {
        const t = this.targets.find((x) => `${x.ip}:${x.port}` === a.target);
        if (t) {
          a.lastUsed = now;
          return t;
        }
      }
    }
    for (let i = 0; i < this.targets.length; i++) {
      const t = this.targets[(this.next + i) % this.targets.length]!;
      const key = `${t.ip}:${t.port}`;
      if (exclude.has(key)) continue;
      this.next = (this.next + i + 1) % this.targets.length;
      if (this.affinitySeconds !== undefined) this.affinity.set(client, { target: key, lastUsed: now });
      return t;
    }
    return undefined;
  }

  /** A failed endpoint loses its affinity entries (upstream resets affinity on dial failure). */
  failed(client: string): void {
    this.affinity.delete(client);
  }
}
