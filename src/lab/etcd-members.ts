// An etcd cluster's membership, as kubeadm changes it when a control plane joins or leaves: MemberAdd
// through a running member's client URL (mutual TLS with the API servers' etcd client certificate),
// then the new member starts with --initial-cluster-state existing; MemberRemove before it goes.
import { Etcd3 } from 'etcd3';

export interface EtcdClientTls {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

async function withCluster<T>(endpoints: string[], tls: EtcdClientTls, fn: (c: Etcd3) => Promise<T>): Promise<T> {
  const client = new Etcd3({ hosts: endpoints, dialTimeout: 3000, credentials: { rootCertificate: tls.ca, certChain: tls.cert, privateKey: tls.key } });
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

/** etcd's --initial-cluster: name=peerURL for every member, the one not started yet under `name`. */
export function initialCluster(members: { name: string; peerURLs: string[] }[], name: string): string {
  return members.flatMap((m) => m.peerURLs.map((u) => `${m.name || name}=${u}`)).join(',');
}

/**
 * etcd's strict reconfiguration check refuses a change while a member (re)connected less than 5 s ago or
 * one is down ("unhealthy cluster"): asked again for a while, as a second machine often joins right after
 * the first (with a new client each time: the client's circuit breaker would refuse the next call itself).
 */
async function reconfigure<T>(endpoints: string[], tls: EtcdClientTls, fn: (c: Etcd3) => Promise<T>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await withCluster(endpoints, tls, fn);
    } catch (e) {
      if (!/unhealthy cluster|not enough started members/i.test((e as Error).message) || Date.now() > deadline) throw e;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

/** Adds member `name` with peerURL; what it must start with (--initial-cluster), and the other members' client URLs. */
export async function addMember(endpoints: string[], tls: EtcdClientTls, name: string, peerURL: string): Promise<{ initialCluster: string; clientURLs: string[] }> {
  return reconfigure(endpoints, tls, async (c) => {
    const r = await c.cluster.memberAdd({ peerURLs: [peerURL] });
    return { initialCluster: initialCluster(r.members, name), clientURLs: r.members.flatMap((m) => m.clientURLs) };
  });
}

/** Removes the member named `name` (or whose peer URL is peerURL: a member never started has no name); false when none is. */
export async function removeMember(endpoints: string[], tls: EtcdClientTls, name: string, peerURL: string): Promise<boolean> {
  return reconfigure(endpoints, tls, async (c) => {
    const { members } = await c.cluster.memberList({});
    const m = members.find((x) => x.name === name || x.peerURLs.includes(peerURL));
    if (!m) return false;
    await c.cluster.memberRemove({ ID: m.ID });
    return true;
  });
}
