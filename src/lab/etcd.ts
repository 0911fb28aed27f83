// The lab's etcd (Debian's etcd-server): one member, reachable only through unix
// sockets in its own 0700 directory, so no TCP port is taken on the host. etcd
// wants host:port-shaped unix URLs and makes the socket in its working directory.
// A multi-host lab runs a cluster instead: one member per simulated host, in that
// host's namespace, its client and peer URLs over TLS on the host's transit address.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { poll } from '../util/poll.js';

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

/** The argv of member `member` with its data under dir/data, serving clients on listenClient and peers on peer. */
function memberCommand(dir: string, member: string, urls: { listenClient: string; advertiseClient: string; peer: string; initialCluster: string }, extra: string[] = []): string[] {
  return [
    etcdBinary,
    '--name',
    member,
    '--data-dir',
    path.join(dir, 'data'),
    '--listen-client-urls',
    urls.listenClient,
    '--advertise-client-urls',
    urls.advertiseClient,
    '--listen-peer-urls',
    urls.peer,
    '--initial-advertise-peer-urls',
    urls.peer,
    '--initial-cluster',
    urls.initialCluster,
    ...extra,
    '--logger',
    'zap',
  ];
}

/** The argv of a one-member etcd that keeps its data under dir/data; run it with dir as working directory. */
export function etcdArgv(dir: string, member = 'svclab'): string[] {
  const client = `unix://${clientSocket}`;
  const peer = `unix://${peerSocket}`;
  return memberCommand(dir, member, { listenClient: client, advertiseClient: client, peer, initialCluster: `${member}=${peer}` });
}

export interface MemberTls {
  ca: string;
  cert: string;
  key: string;
  peerCert: string;
  peerKey: string;
}

/** A member's peer URL on its host's address. */
export function etcdPeerURL(ip: string, port = 2380): string {
  return `https://${ip}:${port}`;
}

/**
 * The argv of cluster member `member` (run with dir as working directory): clients and peers over TLS
 * with certificates checked both ways on ip, plus the local client socket that etcdctl and the API
 * server in the machine's own namespace use. cluster names every member's peer URL (a new cluster), or
 * is the --initial-cluster MemberAdd answered (joining an existing one).
 */
export function etcdMemberArgv(dir: string, member: string, ip: string, cluster: { name: string; ip: string }[] | { existing: string }, tls: MemberTls, ports = { client: 2379, peer: 2380 }): string[] {
  const client = `https://${ip}:${ports.client}`;
  const initial = 'existing' in cluster ? cluster.existing : cluster.map((m) => `${m.name}=${etcdPeerURL(m.ip, ports.peer)}`).join(',');
  return memberCommand(
    dir,
    member,
    { listenClient: `${client},unix://${clientSocket}`, advertiseClient: client, peer: etcdPeerURL(ip, ports.peer), initialCluster: initial },
    ['--initial-cluster-state', 'existing' in cluster ? 'existing' : 'new', '--cert-file', tls.cert, '--key-file', tls.key, '--trusted-ca-file', tls.ca, '--client-cert-auth', '--peer-cert-file', tls.peerCert, '--peer-key-file', tls.peerKey, '--peer-trusted-ca-file', tls.ca, '--peer-client-cert-auth'],
  );
}

/** The argv of etcdctl (API v3) against the etcd in dir (or the members in dirs, tried in turn). */
export function etcdctlArgv(dir: string | string[], args: string[]): string[] {
  return [etcdctlBinary, '--endpoints', [dir].flat().map(etcdEndpoint).join(','), ...args];
}

/**
 * Starts an etcd on dir outside a lab (store tests, `lab bench store`), its output in dir/etcd.log;
 * resolves once its client socket is there. Stop it with kill().
 */
export async function spawnEtcd(dir: string): Promise<ChildProcess> {
  for (const f of etcdSockets(dir)) fs.rmSync(f, { force: true });
  const [cmd, ...args] = etcdArgv(dir);
  const logFile = path.join(dir, 'etcd.log');
  const log = fs.openSync(logFile, 'a');
  const child = spawn(cmd!, args, { cwd: dir, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const listening = await poll(() => fs.existsSync(etcdSockets(dir)[0]!) || (child.exitCode !== null ? 'exited' : undefined), { timeoutMs: 10_000, everyMs: 20 });
  if (listening !== true) {
    child.kill('SIGKILL');
    throw new Error(`etcd did not start: ${fs.readFileSync(logFile, 'utf8').slice(-2000)}`);
  }
  return child;
}
