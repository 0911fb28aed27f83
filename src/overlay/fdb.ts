// The VXLAN's flood list: one all-zeros fdb entry per other host (unicast head-end replication
// of broadcast, unknown-unicast and multicast frames), as `bridge -batch` lines.

const flood = '00:00:00:00:00:00';

export function floodLine(op: 'append' | 'del', dst: string, dev = 'vxlan0'): string {
  return `fdb ${op} ${flood} dev ${dev} dst ${dst}`;
}

interface FdbEntry {
  mac: string;
  ifname?: string;
  dst?: string;
}

/** The flood destinations `bridge -j fdb show dev vxlan0` lists. */
export function floodDestinations(fdbJson: string): string[] {
  const entries = JSON.parse(fdbJson || '[]') as FdbEntry[];
  return entries.filter((e) => e.mac === flood && e.dst).map((e) => e.dst!);
}

/** What makes the device's flood list exactly `want`: appends for the missing, deletes for the stale and duplicated. */
export function floodChanges(have: string[], want: string[]): string[] {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const dst of have) {
    if (!want.includes(dst) || seen.has(dst)) lines.push(floodLine('del', dst));
    seen.add(dst);
  }
  for (const dst of new Set(want)) if (!seen.has(dst)) lines.push(floodLine('append', dst));
  return lines;
}
