// What `kube-proxy --cleanup` does for iptables, as one restore: unlink every
// jump into a KUBE-* chain from the built-in chains, then flush and delete all
// KUBE-* chains, leaving the built-in chains as they were before.
import type { SavedTable } from './save.js';
import { ruleTarget } from './save.js';

const isKube = (chain: string): boolean => chain.startsWith('KUBE-');

/** The iptables-restore input that removes every KUBE-* chain and jump, or undefined when there is none. */
export function cleanupRestore(tables: Map<string, SavedTable>): string | undefined {
  const out: string[] = [];
  for (const [name, table] of tables) {
    const unlink = table.rules.filter((r) => !isKube(r.chain) && isKube(ruleTarget(r.spec) ?? '')).map((r) => `-D ${r.chain} ${r.spec}`);
    const chains = [...table.chains].filter(isKube).sort();
    if (unlink.length === 0 && chains.length === 0) continue;
    // Chain lines flush first, so the deletes below find every chain unreferenced.
    out.push(`*${name}`, ...chains.map((c) => `:${c} - [0:0]`), ...unlink, ...chains.map((c) => `-X ${c}`), 'COMMIT');
  }
  return out.length ? `${out.join('\n')}\n` : undefined;
}
