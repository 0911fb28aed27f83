// One rules view per proxy mode (the registry in modes.ts), for `lab rules` and the scenario
// `rules` step: a mode without a view does not compile. Backends stay free of it (the agent never reads rules back for people).
import { iptablesView } from './iptables/view.js';
import { ipvsView } from './ipvs/view.js';
import type { ProxyMode } from './modes.js';
import { nftablesMapsView } from './nftables-maps/view.js';
import { nftablesView } from './nftables/view.js';
import type { RulesView } from './rules-view.js';
import { userspaceView } from './userspace/view.js';

export const rulesViews: Record<ProxyMode, RulesView> = {
  iptables: iptablesView,
  nftables: nftablesView,
  'nftables-maps': nftablesMapsView,
  ipvs: ipvsView,
  userspace: userspaceView,
};
