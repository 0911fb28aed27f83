// What the iptables and IPVS modes both write through iptables-restore: the same arguments
// (never flush what is not ours, keep the counters), and the base-chain jumps they check for.
import type { JumpRule } from './render.js';
import type { SavedTable } from './save.js';

export const restoreArgs = ['-w', '--noflush', '--counters'];

/** The jump is in the saved table (matched by chain, target and kube-proxy's comment). */
export function hasJump(table: SavedTable | undefined, j: JumpRule): boolean {
  return !!table?.rules.some((r) => r.chain === j.chain && r.spec.endsWith(`-j ${j.target}`) && r.spec.includes(`"${j.comment}"`));
}
