// One backend per proxy mode (the registry in modes.ts), and kube-proxy --cleanup for the others.
import type { ProxyBackend } from './model.js';
import { IptablesBackend } from './iptables/backend.js';
import { IpvsBackend } from './ipvs/backend.js';
import { proxyModes, type ProxyMode } from './modes.js';
import { NftablesMapsBackend } from './nftables-maps/backend.js';
import { NftablesBackend } from './nftables/backend.js';
import { UserspaceBackend } from './userspace/index.js';

export interface BackendOptions {
  ipvsScheduler?: string;
}

const factories: Record<ProxyMode, (o: BackendOptions) => ProxyBackend> = {
  iptables: () => new IptablesBackend(),
  nftables: () => new NftablesBackend(),
  'nftables-maps': () => new NftablesMapsBackend(),
  ipvs: (o) => new IpvsBackend({ scheduler: o.ipvsScheduler }),
  userspace: () => new UserspaceBackend(),
};

export function createBackend(mode: ProxyMode, o: BackendOptions = {}): ProxyBackend {
  return factories[mode](o);
}

/** Removes every other mode's rules, as switching modes with kube-proxy --cleanup would. */
export async function cleanupOtherModes(mode: ProxyMode): Promise<void> {
  for (const other of proxyModes) {
    if (other === mode) continue;
    try {
      await createBackend(other).cleanup();
    } catch (e) {
      console.error(`proxy: cleaning up ${other} rules: ${(e as Error).message}`);
    }
  }
}
