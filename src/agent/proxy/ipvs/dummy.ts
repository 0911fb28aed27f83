// The service IPs bound to kube-ipvs0 (so the node accepts their packets and
// IPVS sees them in LOCAL_IN): read from `ip -o -4 addr show`, changed with
// one `ip -batch`.
import { dummyDevice } from './names.js';

export function parseAddresses(ipAddrShow: string): Set<string> {
  return new Set([...ipAddrShow.matchAll(/\binet (\d+\.\d+\.\d+\.\d+)\/32\b/g)].map((m) => m[1]!));
}

export function addressChanges(wanted: Set<string>, current: Set<string>): string[] {
  const lines: string[] = [];
  for (const ip of current) if (!wanted.has(ip)) lines.push(`address del ${ip}/32 dev ${dummyDevice}`);
  for (const ip of wanted) if (!current.has(ip)) lines.push(`address add ${ip}/32 dev ${dummyDevice}`);
  return lines;
}
