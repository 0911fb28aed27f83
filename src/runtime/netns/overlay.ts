// Multi-host labs on one machine: every simulated host is a namespace standing for
// a machine's own network namespace, linked to the others only through a transit
// router on its own address. Each host's switch gets a VXLAN device whose UDP
// socket lives in the host namespace (the device is created there, then moved
// into the switch), so the node network's frames cross between hosts as VXLAN
// packets on the hosts' addresses, exactly as between machines.
import { ipBatch, sysctls } from '../../net/ip.js';
import { run, CommandError } from '../../net/run.js';
import type { OverlayPlan, VxlanPlan } from '../../lab/plan.js';
import { floodLine } from '../../overlay/fdb.js';

/** The namespaces a multi-host lab adds to the single-host ones (host1's switch is the lab's switch). */
export function overlayNamespaces(o: OverlayPlan): string[] {
  return [o.transitNetns, ...o.hosts.map((h) => h.netns), ...o.hosts.slice(1).map((h) => h.switchNetns)];
}

/** `bridge -batch` lines: one all-zeros (flood) entry per other host, the unicast head-end replication of BUM traffic. */
export function floodEntries(o: OverlayPlan, self: string): string[] {
  return o.hosts.filter((h) => h.name !== self).map((h) => floodLine('append', h.ip));
}

/** Transit links, the hosts' addresses, every switch's node bridge, and a VXLAN device per switch (namespaces exist already). */
export async function createOverlay(o: OverlayPlan): Promise<void> {
  const bits = 30;
  await ipBatch(
    [
      'link set lo up',
      ...o.hosts.flatMap((h) => [`link add ${h.name} type veth peer name eth0 netns ${h.netns}`, `addr add ${h.gateway}/${bits} dev ${h.name}`, `link set ${h.name} up`]),
    ],
    o.transitNetns,
  );
  await sysctls(o.transitNetns, { 'net.ipv4.ip_forward': 1 });
  await Promise.all(
    o.hosts.map(async (h) => {
      await ipBatch(['link set lo up', 'link add br-nodes type bridge', 'link set br-nodes up'], h.switchNetns);
      await ipBatch(
        [
          'link set lo up',
          `addr add ${h.ip}/${bits} dev eth0`,
          'link set eth0 up',
          `route add ${o.transitCIDR} via ${h.gateway}`,
          // Created here (its UDP socket and outer addresses stay in the host's namespace), living in the switch.
          `link add vxlan0 netns ${h.switchNetns} mtu ${o.mtu} type vxlan id ${o.vni} local ${h.ip} dstport ${o.port}`,
        ],
        h.netns,
      );
      await ipBatch(['link set vxlan0 master br-nodes', 'link set vxlan0 up'], h.switchNetns);
      const r = await run('bridge', ['-n', h.switchNetns, '-batch', '-'], { input: floodEntries(o, h.name).join('\n') + '\n' });
      if (r.exitCode !== 0) throw new CommandError(`bridge -n ${h.switchNetns} -batch -`, r);
    }),
  );
}

/**
 * A lab that spans real machines: vxlan0 created in this machine's own namespace (its UDP socket and
 * outer addresses stay there, on the machine's address) and living in the lab's switch, on br-nodes.
 * Its flood list is the overlay daemon's (src/overlay): one entry per other Host.
 */
export async function attachVxlan(switchNetns: string, v: VxlanPlan): Promise<void> {
  await ipBatch([`link add vxlan0 netns ${switchNetns} mtu ${v.mtu} type vxlan id ${v.vni} local ${v.local} dstport ${v.port}`]);
  await ipBatch(['link set vxlan0 master br-nodes', 'link set vxlan0 up'], switchNetns);
}
