// The lab's etcd (Debian's etcd-server): one member, reachable only through unix
// sockets in its own 0700 directory, so no TCP port is taken on the host. etcd
// wants host:port-shaped unix URLs and makes the socket in its working directory.
import path from 'node:path';

export const etcdBinary = process.env.SVCLAB_ETCD ?? '/usr/bin/etcd';
export const etcdctlBinary = process.env.SVCLAB_ETCDCTL ?? '/usr/bin/etcdctl';

const clientSocket = 'client:2379';
const peerSocket = 'peer:2380';

/** The client URL of the etcd whose directory is dir. */
export function etcdEndpoint(dir: string): string {
  return `unix://${path.join(dir, clientSocket)}`;
}

/** The sockets etcd makes in dir: a killed etcd leaves them, and the next one cannot bind while they exist. */
export function etcdSockets(dir: string): string[] {
  return [path.join(dir, clientSocket), path.join(dir, peerSocket)];
}

/** The argv of a one-member etcd that keeps its data under dir/data; run it with dir as working directory. */
export function etcdArgv(dir: string, member = 'svclab'): string[] {
  const client = `unix://${clientSocket}`;
  const peer = `unix://${peerSocket}`;
  return [
    etcdBinary,
    '--name',
    member,
    '--data-dir',
    path.join(dir, 'data'),
    '--listen-client-urls',
    client,
    '--advertise-client-urls',
    client,
    '--listen-peer-urls',
    peer,
    '--initial-advertise-peer-urls',
    peer,
    '--initial-cluster',
    `${member}=${peer}`,
    '--logger',
    'zap',
  ];
}

/** The argv of etcdctl (API v3) against the etcd in dir. */
export function etcdctlArgv(dir: string, args: string[]): string[] {
  return [etcdctlBinary, '--endpoints', etcdEndpoint(dir), ...args];
}
