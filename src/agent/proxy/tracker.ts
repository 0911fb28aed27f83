// kube-proxy's change tracker: event handlers only record the new state of a
// service port; the next sync asks which ports changed since the last one. A
// change that is undone before the sync (A -> B -> A) leaves nothing pending.
import { canonicalJson } from '../../api/canonical-json.js';
import type { ServicePort } from './model.js';

export interface PendingChanges {
  /** serviceKey()s of the ports that changed (added, updated or removed). */
  keys: Set<string>;
  /** When the oldest of them was recorded (ms since the epoch), for the network programming latency. */
  oldest?: number;
}

interface Change {
  /** The port as the last sync saw it. */
  synced: ServicePort | undefined;
  since: number;
}

export class ChangeTracker {
  private readonly ports = new Map<string, ServicePort>();
  private readonly changes = new Map<string, Change>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Records the current state of one port (undefined: it is gone). Returns true when the port now has a pending change. */
  set(key: string, port: ServicePort | undefined): boolean {
    const before = this.ports.get(key);
    if (sameServicePort(before, port)) return this.changes.has(key);
    if (port) this.ports.set(key, port);
    else this.ports.delete(key);
    const change = this.changes.get(key);
    if (!change) this.changes.set(key, { synced: before, since: this.now() });
    else if (sameServicePort(change.synced, port)) this.changes.delete(key);
    return this.changes.has(key);
  }

  /** The changed keys since the last call, which forgets them. */
  pending(): PendingChanges {
    let oldest: number | undefined;
    for (const c of this.changes.values()) if (oldest === undefined || c.since < oldest) oldest = c.since;
    const keys = new Set(this.changes.keys());
    this.changes.clear();
    return oldest === undefined ? { keys } : { keys, oldest };
  }

  get hasPending(): boolean {
    return this.changes.size > 0;
  }

  /** Every service port as last recorded, what a sync programs. */
  services(): ServicePort[] {
    return [...this.ports.values()];
  }

  /** The same, by key (a copy: later changes do not show in it). */
  snapshot(): Map<string, ServicePort> {
    return new Map(this.ports);
  }
}

/** Equal content; endpoint order does not matter (the backends sort them). */
function sameServicePort(a: ServicePort | undefined, b: ServicePort | undefined): boolean {
  if (!a || !b) return a === b;
  return canonical(a) === canonical(b);
}

function canonical(sp: ServicePort): string {
  const endpoints = sp.endpoints.map(canonicalJson).sort();
  return canonicalJson({ ...sp, endpoints });
}
