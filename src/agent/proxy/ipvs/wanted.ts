// A node's wanted IPVS state, kept per service port with reference counts on
// what service ports share (a NodePort set member, a hairpin entry, an
// address), so a partial sync replaces only the changed service ports and
// diffs only what they touched.
import { ipsets } from './names.js';
import type { ServicePlan, VirtualServer } from './plan.js';

/** What replacements touched: virtual server keys, and addresses and set members with whether they were wanted before. */
export interface Touched {
  virtualServers: Set<string>;
  addresses: Map<string, boolean>;
  members: Map<string, Map<string, boolean>>;
}

export function noneTouched(): Touched {
  return { virtualServers: new Set(), addresses: new Map(), members: new Map() };
}

function count(refs: Map<string, number>, key: string, delta: number, touched?: Map<string, boolean>): void {
  const n = refs.get(key) ?? 0;
  if (touched && !touched.has(key)) touched.set(key, n > 0);
  if (n + delta > 0) refs.set(key, n + delta);
  else refs.delete(key);
}

export class WantedState {
  private readonly byService = new Map<string, ServicePlan>();
  readonly virtualServers = new Map<string, VirtualServer>();
  private readonly addressRefs = new Map<string, number>();
  private readonly memberRefs = new Map(Object.values(ipsets).map((s) => [s.name, new Map<string, number>()]));

  /** Replaces one service port's share (undefined: the port is gone). */
  replace(key: string, plan: ServicePlan | undefined, touched?: Touched): void {
    const old = this.byService.get(key);
    if (old) this.apply(old, -1, touched);
    if (plan) {
      this.byService.set(key, plan);
      this.apply(plan, 1, touched);
    } else this.byService.delete(key);
  }

  private apply(plan: ServicePlan, delta: number, touched?: Touched): void {
    for (const [key, vs] of plan.virtualServers) {
      touched?.virtualServers.add(key);
      if (delta > 0) this.virtualServers.set(key, vs);
      else if (this.virtualServers.get(key) === vs) this.virtualServers.delete(key);
    }
    for (const ip of plan.addresses) count(this.addressRefs, ip, delta, touched?.addresses);
    for (const [set, member] of plan.members) {
      let seen: Map<string, boolean> | undefined;
      if (touched) {
        seen = touched.members.get(set) ?? new Map();
        touched.members.set(set, seen);
      }
      count(this.memberRefs.get(set)!, member, delta, seen);
    }
  }

  addresses(): Set<string> {
    return new Set(this.addressRefs.keys());
  }

  /** Members of every ipset (empty sets included). */
  members(): Map<string, Set<string>> {
    return new Map([...this.memberRefs].map(([set, refs]) => [set, new Set(refs.keys())]));
  }

  nonEmptySets(): Set<string> {
    return new Set([...this.memberRefs].filter(([, refs]) => refs.size > 0).map(([set]) => set));
  }

  memberCount(): number {
    let n = 0;
    for (const refs of this.memberRefs.values()) n += refs.size;
    return n;
  }

  /** Before/after views of what was touched, for the same diff functions a full sync uses. */
  touchedViews(t: Touched): { addresses: [Set<string>, Set<string>]; members: [Map<string, Set<string>>, Map<string, Set<string>>] } {
    const before = (m: Map<string, boolean>): Set<string> => new Set([...m].filter(([, was]) => was).map(([k]) => k));
    const after = (m: Map<string, boolean>, refs: Map<string, number>): Set<string> => new Set([...m.keys()].filter((k) => refs.has(k)));
    return {
      addresses: [after(t.addresses, this.addressRefs), before(t.addresses)],
      members: [new Map([...t.members].map(([set, m]) => [set, after(m, this.memberRefs.get(set)!)])), new Map([...t.members].map(([set, m]) => [set, before(m)]))],
    };
  }
}
