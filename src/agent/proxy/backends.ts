// One backend per proxy mode, and kube-proxy --cleanup for the others.
import type { ProxyBackend } from './model.js';
import { IptablesBackend } from './iptables/backend.js';
import { IpvsBackend } from './ipvs/backend.js';
import { NftablesBackend } from './nftables/backend.js';
import { UserspaceBackend } from './userspace/index.js';

export const modes = ['iptables', 'nftables', 'userspace', 'ipvs'] as const;

export function createBackend(mode: string, o: { ipvsScheduler?: string } = {}): ProxyBackend {
  switch (mode) {
    case 'iptables':
      return new IptablesBackend();
    case 'nftables':
      return new NftablesBackend();
    case 'userspace':
      return new UserspaceBackend();
    case 'ipvs':
      return new IpvsBackend({ scheduler: o.ipvsScheduler });
    default:
      throw new Error(`proxy mode ${mode} is not available in this build`);
  }
}

/** Removes every other mode's rules, as switching modes with kube-proxy --cleanup would. */
export async function cleanupOtherModes(mode: string): Promise<void> {
  for (const other of modes) {
    if (other === mode) continue;
    try {
      await createBackend(other).cleanup();
    } catch (e) {
      console.error(`proxy: cleaning up ${other} rules: ${(e as Error).message}`);
    }
  }
}
