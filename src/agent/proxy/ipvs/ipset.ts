// The ipsets as `ipset save` prints them, and the `ipset restore -exist` input
// that creates missing sets and adds or deletes only the members that differ.
import { ipsetNames, ipsets } from './names.js';

export type SetMembers = Map<string, Set<string>>;

/** Members of kube-proxy's sets found in `ipset save` output (other sets are ignored). */
export function parseIpsetSave(text: string): SetMembers {
  const out: SetMembers = new Map();
  for (const line of text.split('\n')) {
    const m = /^(create|add) (\S+)(?: (\S+))?/.exec(line);
    if (!m || !ipsetNames.has(m[2]!)) continue;
    if (!out.has(m[2]!)) out.set(m[2]!, new Set());
    if (m[1] === 'add') out.get(m[2]!)!.add(m[3]!);
  }
  return out;
}

/** Restore lines from `current` to `wanted`; sets absent from `current` are created first. */
export function ipsetChanges(wanted: SetMembers, current: SetMembers): string[] {
  const lines: string[] = [];
  for (const spec of Object.values(ipsets)) {
    if (wanted.has(spec.name) && !current.has(spec.name)) lines.push(`create ${spec.name} ${spec.type}`);
  }
  for (const [name, members] of wanted) {
    const have = current.get(name) ?? new Set<string>();
    for (const m of have) if (!members.has(m)) lines.push(`del ${name} ${m}`);
    for (const m of members) if (!have.has(m)) lines.push(`add ${name} ${m}`);
  }
  return lines;
}
