// `lab rules [--name lab] NODE [SERVICE]`: what a node's kernel holds for the
// lab's proxy mode, read live on the node (iptables-save, nft, ipvsadm), all
// of it or one service's part; in iptables mode also how many packets each
// endpoint got (the KUBE-SEP DNAT counters), to watch the balancing live.
// How each mode is read is its view (agent/proxy/<mode>/view.ts).
import { commandRunner } from '../agent/proxy/exec.js';
import { rulesViews } from '../agent/proxy/views.js';
import { types } from '../api/resources.js';
import type { Service } from '../api/types.js';
import { ApiClient } from '../client/client.js';
import { hostArgv } from '../lab/hosts.js';
import { adminConnection } from '../lab/credentials.js';
import { table } from '../lab/status.js';
import { type Command, parse, UsageError } from './args.js';
import { requireLab } from './lab-select.js';

export const rulesCommand: Command = {
  summary: "print a node's live proxy rules (all, or one service's) and the packets each endpoint got",
  usage: '[--name lab] NODE [NAMESPACE/SERVICE]',
  async run(argv) {
    const { values, positionals } = parse('rules', argv, { name: { type: 'string', short: 'n' } }, true);
    if (positionals.length < 1 || positionals.length > 2) throw new UsageError('lab rules: name a node (node1...) and optionally a service as NAMESPACE/NAME');
    const [node, service] = positionals as [string, string | undefined];
    const { name: lab, state } = requireLab('rules', values.name);
    if (!state.plan.nodes.some((n) => n.name === node)) throw new UsageError(`lab rules: no node "${node}" in lab ${lab} (nodes: ${state.plan.nodes.map((n) => n.name).join(', ')})`);
    const client = new ApiClient({ ...adminConnection(state), timeoutMs: 10_000 });
    try {
      let services: Service[];
      if (service) {
        const [ns, name] = service.includes('/') ? service.split('/', 2) : ['default', service];
        services = [await client.get<Service>(types.services, name!, ns)];
      } else {
        services = (await client.list<Service>(types.services)).items;
      }
      const shown = await rulesViews[state.plan.proxyMode].show(commandRunner(hostArgv(lab, node, [])), services, !!service);
      const c = shown.counters;
      console.log(`# ${node} of lab ${lab}, proxy mode ${state.plan.proxyMode}${service ? `, service ${services[0]!.metadata.namespace}/${services[0]!.metadata.name}` : ''}`);
      console.log(c ? [shown.text, '', c.rows.length === 0 ? c.none : table([c.header, ...c.rows])].join('\n') : shown.text);
    } finally {
      client.close();
    }
  },
};
