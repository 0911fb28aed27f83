// What `lab status` reports: the lab's plan, its nodes as the API sees them, its processes.
import { isReady } from '../api/conditions.js';
import { types } from '../api/resources.js';
import type { Host } from '../api/hosts.js';
import type { Node } from '../api/types.js';
import type { NodePlan } from './plan.js';
import { ApiClient } from '../client/client.js';
import { labConnection } from './credentials.js';
import { paths, readComponents, readState, serverUrl, type ComponentState } from './state.js';

interface NodeStatus {
  name: string;
  ip: string;
  podCIDR: string;
  ready: boolean;
  status: string;
  /** Multi-host labs: the simulated host the node is on. */
  host?: string;
}

export interface LabStatus {
  name: string;
  runtime: string;
  proxyMode: string;
  /** Where the API server keeps objects: embedded or etcd. */
  store: string;
  /** Multi-host labs: each simulated host's transit address, and the overlay. */
  hosts?: { name: string; ip: string }[];
  overlay?: { vni: number; port: number; mtu: number };
  /** A machine that joined a lab: which lab (its name on the control plane) and which Host this machine is. */
  joined?: { lab: string; host: string; address: string };
  apiServer: string;
  socket: string;
  kubeconfig: string;
  apiReachable: boolean;
  nodes: NodeStatus[];
  components: ComponentState[];
}

function readiness(node: Node | undefined): { ready: boolean; status: string } {
  if (!node) return { ready: false, status: 'NotRegistered' };
  if (isReady(node)) return { ready: true, status: 'Ready' };
  return { ready: false, status: 'NotReady' };
}

/** The nodes other machines' Hosts hold, as the plan would describe them (their host named). */
function joinedNodes(own: NodePlan[], hosts: Host[]): NodePlan[] {
  return hosts.flatMap((h) => (h.status?.nodes ?? []).filter((n) => !own.some((o) => o.name === n.name)).map((n) => ({ ...n, netns: '', port: '', host: h.metadata.name! })));
}

export async function labStatus(name: string): Promise<LabStatus | undefined> {
  const state = readState(name);
  if (!state) return undefined;
  const client = new ApiClient({ ...labConnection(state), timeoutMs: 2000 });
  let apiNodes: Node[] = [];
  let apiHosts: Host[] = [];
  let apiReachable = true;
  // The control plane of a lab other machines join also shows their Hosts and nodes.
  const listening = state.plan.vxlan && !state.plan.joined;
  try {
    apiNodes = (await client.list<Node>(types.nodes)).items;
    if (listening) apiHosts = (await client.list<Host>(types.hosts)).items;
  } catch {
    apiReachable = false;
  } finally {
    client.close();
  }
  return {
    name,
    runtime: state.plan.runtime,
    proxyMode: state.plan.proxyMode,
    store: state.plan.store ?? 'embedded',
    ...(state.plan.overlay
      ? { hosts: state.plan.overlay.hosts.map((h) => ({ name: h.name, ip: h.ip })), overlay: { vni: state.plan.overlay.vni, port: state.plan.overlay.port, mtu: state.plan.overlay.mtu } }
      : {}),
    ...(listening
      ? { hosts: apiHosts.map((h) => ({ name: h.metadata.name!, ip: h.spec.address })), overlay: { vni: state.plan.vxlan!.vni, port: state.plan.vxlan!.port, mtu: state.plan.vxlan!.mtu } }
      : {}),
    ...(state.plan.joined && state.plan.vxlan ? { joined: { lab: state.plan.joined.lab, host: state.plan.vxlan.host, address: state.plan.vxlan.local } } : {}),
    apiServer: state.plan.joined?.server ?? serverUrl(state),
    socket: paths.socket(name),
    kubeconfig: paths.kubeconfig(name),
    apiReachable,
    nodes: [...state.plan.nodes, ...joinedNodes(state.plan.nodes, apiHosts)].map((n) => {
      const node = apiNodes.find((a) => a.metadata.name === n.name);
      return {
        name: n.name,
        ip: node?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? n.ip,
        podCIDR: node?.spec?.podCIDR ?? n.podCIDR,
        ...readiness(apiReachable ? node : undefined),
        ...(n.host ? { host: n.host } : listening ? { host: state.plan.vxlan!.host } : {}),
      };
    }),
    components: readComponents(name),
  };
}

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3))).join('').trimEnd()).join('\n');
}

export function formatStatus(s: LabStatus): string {
  const lines = [
    `lab ${s.name}: ${s.nodes.length} node${s.nodes.length === 1 ? '' : 's'}, proxy mode ${s.proxyMode}, runtime ${s.runtime}, store ${s.store}`,
    ...(s.joined
      ? [`joined lab ${s.joined.lab} as host ${s.joined.host} (${s.joined.address}); its API server: ${s.apiServer}${s.apiReachable ? '' : ' (not answering)'}`]
      : [`API server: ${s.apiServer}${s.apiReachable ? '' : ' (not answering)'}   socket: ${s.socket}`]),
    ...(s.hosts && s.overlay
      ? [`hosts: ${s.hosts.map((h) => `${h.name} ${h.ip}`).join(', ')}; node network over VXLAN ${s.overlay.vni}, UDP ${s.overlay.port}, MTU ${s.overlay.mtu}`]
      : []),
    '',
    s.hosts
      ? table([['NODE', 'HOST', 'STATUS', 'INTERNAL-IP', 'POD-CIDR'], ...s.nodes.map((n) => [n.name, n.host ?? '-', n.status, n.ip, n.podCIDR])])
      : table([['NODE', 'STATUS', 'INTERNAL-IP', 'POD-CIDR'], ...s.nodes.map((n) => [n.name, n.status, n.ip, n.podCIDR])]),
    '',
    table([['COMPONENT', 'PID', 'RESTARTS', 'LAST-EXIT'], ...s.components.map((c) => [c.name, c.pid ? String(c.pid) : '-', String(c.restarts), c.lastExit ?? '-'])]),
  ];
  return lines.join('\n');
}
