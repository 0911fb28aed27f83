// The default runtime: every lab host is a network namespace on this machine.
// Links are created directly between lab namespaces, so nothing ever appears
// in the host's own namespace.
import fs from 'node:fs';
import { ip, ipBatch, inNetns, listNetns, netnsPids, sysctls } from '../../net/ip.js';
import { labPrefix, netnsPrefix, overlayMTU, switchOf, type LabPlan, type NodePlan } from '../../lab/plan.js';
import { attachVxlan, createOverlay, overlayNamespaces } from './overlay.js';
import type { Runtime } from '../runtime.js';
import { execa } from 'execa';

export const forwarding = {
  'net.ipv4.ip_forward': 1,
  'net.ipv4.conf.all.rp_filter': 0,
  'net.ipv4.conf.default.rp_filter': 0,
};

export class NetnsRuntime implements Runtime {
  readonly name = 'netns';

  async check(): Promise<string[]> {
    const missing: string[] = [];
    if (!fs.existsSync('/proc/self/ns/net')) missing.push('this kernel has no network namespaces (/proc/self/ns/net is missing)');
    for (const tool of ['ip', 'nsenter', 'unshare', 'hostname']) {
      const r = await execa('sh', ['-c', `command -v ${tool}`], { reject: false });
      if (r.exitCode !== 0) missing.push(`the '${tool}' command is missing (apt-get install iproute2 util-linux hostname)`);
    }
    return missing;
  }

  async create(plan: LabPlan): Promise<void> {
    await createTopology(plan, (n) => `netns add ${n.netns}`);
  }

  async destroy(labName: string): Promise<void> {
    const mine = listNetns().filter((n) => n.startsWith(labPrefix(labName)));
    // Processes keep a namespace alive after its name is gone: kill them first.
    for (const ns of mine) {
      for (const pid of await netnsPids(ns)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
    if (mine.length > 0) await ipBatch(mine.map((n) => `netns del ${n}`)).catch(async () => {
      for (const n of mine) await ip(['netns', 'del', n]).catch(() => undefined);
    });
    // Pods' resolv.conf and hosts, also of namespaces already gone (an agent killed mid-teardown).
    for (const n of new Set([...mine, ...etcNetns().filter((n) => n.startsWith(labPrefix(labName)))])) fs.rmSync(`/etc/netns/${n}`, { recursive: true, force: true });
  }

  nodeCommand(_plan: LabPlan, node: NodePlan, argv: string[]): string[] {
    // own network and UTS namespace (hostname = node name), host mount namespace
    return [...inNetns(node.netns), 'unshare', '--uts', '--', 'sh', '-c', 'hostname "$1" && shift && exec "$@"', 'sh', node.name, ...argv];
  }

  hostCommand(plan: LabPlan, host: string, argv: string[]): string[] {
    const node = plan.nodes.find((n) => n.name === host);
    if (node) return this.nodeCommand(plan, node, argv);
    // Multi-host labs: the simulated hosts and the transit router between them too (e.g. tcpdump of the overlay).
    const overlay: Record<string, string> = plan.overlay ? { transit: plan.overlay.transitNetns, ...Object.fromEntries(plan.overlay.hosts.map((h) => [h.name, h.netns])) } : {};
    const places: Record<string, string> = { outside: plan.outsideNetns, router: plan.routerNetns, external: plan.external.netns, ...overlay };
    const ns = places[host];
    if (!ns) throw new Error(`no host "${host}" in lab ${plan.name} (hosts: ${[...plan.nodes.map((n) => n.name), ...Object.keys(places)].join(', ')})`);
    return [...inNetns(ns), ...argv];
  }

  async leftovers(): Promise<string[]> {
    return labsOfNamespaces([...listNetns(), ...etcNetns()]);
  }

  async removeImages(): Promise<string[]> {
    return []; // a netns lab runs the host's own files
  }
}

/** The entries of /etc/netns (`ip netns exec` binds each over /etc in its namespace). */
function etcNetns(): string[] {
  try {
    return fs.readdirSync('/etc/netns');
  } catch {
    return [];
  }
}

/** The labs that network namespaces with these names belong to (any other name is not a lab's). */
export function labsOfNamespaces(namespaces: string[]): string[] {
  const names = new Set<string>();
  for (const ns of namespaces) {
    if (!ns.startsWith(netnsPrefix)) continue;
    const m = /^svclab-(.+)-(switch\d*|router|outside|external|transit|host\d+|node\d+|pod-.+)$/.exec(ns);
    if (m) names.add(m[1]!);
  }
  return [...names];
}

/**
 * Switch, router, outside and external hosts and the node network, for any runtime:
 * `nodeNamespace` is the `ip -batch` line that makes a node's namespace exist under its
 * plan name (a new one, or an existing one attached by pid).
 */
export async function createTopology(plan: LabPlan, nodeNamespace: (node: NodePlan) => string): Promise<void> {
  const sw = plan.switchNetns;
  const ext = plan.external;
  // A machine that joined a lab holds only its switch and nodes: the router and the outside world stay on the control plane's.
  const full = !plan.joined;
  const hosts = full ? [sw, plan.routerNetns, plan.outsideNetns, ext.netns, ...(plan.overlay ? overlayNamespaces(plan.overlay) : [])] : [sw];
  // 1. namespaces and the veth pairs between them (created in place, never in the host namespace)
  await ipBatch([
    ...hosts.map((h) => `netns add ${h}`),
    ...plan.nodes.map(nodeNamespace),
    ...(full
      ? [
          `link add eth0 netns ${plan.routerNetns} type veth peer name router netns ${sw}`,
          `link add eth1 netns ${plan.routerNetns} type veth peer name router-out netns ${sw}`,
          `link add eth0 netns ${plan.outsideNetns} type veth peer name outside netns ${sw}`,
          `link add eth0 netns ${ext.netns} type veth peer name external netns ${sw}`,
        ]
      : []),
    ...plan.nodes.map((n) => `link add eth0 netns ${n.netns} type veth peer name ${n.port} netns ${switchOf(plan, n)}`),
  ]);
  const [nodeBits] = plan.nodeCIDR.split('/').slice(1);
  const [outBits] = plan.outsideCIDR.split('/').slice(1);
  // Multi-host: the other hosts' switches and the VXLAN between them (before the node ports join them).
  if (plan.overlay) await createOverlay(plan.overlay);
  // Only labs that span hosts set an MTU (the overlay's); single-host links keep the kernel's default.
  const mtuValue = overlayMTU(plan);
  const mtu = mtuValue ? ` mtu ${mtuValue}` : '';
  const ports = (ns: string): string[] => plan.nodes.filter((n) => switchOf(plan, n) === ns).flatMap((n) => [`link set ${n.port} master br-nodes`, `link set ${n.port}${mtu} up`]);
  // 2. the switch: one bridge for the node network, one for the outside network
  const switchSetup = ipBatch(
    [
      'link set lo up',
      ...(plan.overlay ? [] : ['link add br-nodes type bridge', 'link set br-nodes up']), // the overlay made it
      ...(full
        ? [
            'link add br-outside type bridge',
            'link set br-outside up',
            'link set router master br-nodes',
            `link set router${mtu} up`,
            'link set router-out master br-outside',
            'link set router-out up',
            'link set outside master br-outside',
            'link set outside up',
            'link set external master br-outside',
            'link set external up',
          ]
        : []),
      ...ports(sw),
    ],
    sw,
  ).then(() => plan.vxlan && attachVxlan(sw, plan.vxlan));
  const portSetups = (plan.overlay?.hosts ?? []).filter((h) => h.switchNetns !== sw).map((h) => ipBatch(ports(h.switchNetns), h.switchNetns));
  // 4. nodes: address, default route via the router (proxy_arp for pods needs one)
  const nodeSetups = plan.nodes.map((n) =>
    ipBatch(['link set lo up', `addr add ${n.ip}/${nodeBits} dev eth0`, `link set eth0${mtu} up`, `route add default via ${plan.routerNodeIP}`], n.netns).then(() =>
      sysctls(n.netns, forwarding),
    ),
  );
  if (!full) return void (await Promise.all([switchSetup, ...nodeSetups]));
  // 3. the router between the node network and the outside network; it knows every pod CIDR
  const routerSetup = ipBatch(
    [
      'link set lo up',
      `addr add ${plan.routerNodeIP}/${nodeBits} dev eth0`,
      `addr add ${plan.routerOutsideIP}/${outBits} dev eth1`,
      `link set eth0${mtu} up`,
      'link set eth1 up',
      ...plan.nodes.map((n) => `route add ${n.podCIDR} via ${n.ip}`),
      ...ext.aliases.map((a) => `route add ${a}/32 via ${ext.ip}`),
    ],
    plan.routerNetns,
  ).then(() => sysctls(plan.routerNetns, forwarding));
  const outsideSetup = ipBatch(
    ['link set lo up', `addr add ${plan.outsideIP}/${outBits} dev eth0`, 'link set eth0 up', `route add default via ${plan.routerOutsideIP}`],
    plan.outsideNetns,
  );
  const externalSetup = ipBatch(
    [
      'link set lo up',
      `addr add ${ext.ip}/${outBits} dev eth0`,
      `addr add ${ext.dnsIP}/${outBits} dev eth0`,
      ...ext.aliases.map((a) => `addr add ${a}/32 dev eth0`),
      'link set eth0 up',
      `route add default via ${plan.routerOutsideIP}`,
    ],
    ext.netns,
  );
  await Promise.all([switchSetup, ...portSetups, routerSetup, outsideSetup, externalSetup, ...nodeSetups]);
}
