// The processes of a running lab and how each is started.
import path from 'node:path';
import type { Runtime } from '../runtime/runtime.js';
import { etcdArgv, etcdEndpoint, etcdSockets } from './etcd.js';
import { pkiFiles } from './credentials.js';
import { paths, socketServer, type LabState } from './state.js';

export interface Component {
  name: string;
  argv: string[];
  cwd?: string;
  /** Unix sockets the component makes, removed before each (re)start: a killed process leaves them behind. */
  sockets?: string[];
}

export function distEntry(home: string, rel: string): string {
  return path.join(home, 'dist', 'src', rel);
}

export function componentsFor(state: LabState, runtime: Runtime): Component[] {
  const { plan, home } = state;
  const node = process.execPath;
  const server = socketServer(plan.name);
  // Each component's bearer token is in a root-only file; only its path is on the command line.
  const token = (component: string) => ['--token-file', pkiFiles.componentToken(plan.name, component)];
  const out: Component[] = [
    {
      name: 'apiserver',
      argv: [
        node,
        distEntry(home, 'apiserver/main.js'),
        '--state-dir',
        paths.store(plan.name),
        '--port-file',
        paths.apiPort(plan.name),
        '--socket',
        paths.socket(plan.name),
        '--kubelet-socket-dir',
        paths.kubeletSockets(plan.name),
        '--service-cluster-ip-range',
        plan.serviceCIDR,
        '--service-node-port-range',
        plan.nodePortRange,
        '--advertise-address',
        plan.apiAdvertise.ip,
        '--advertise-port',
        String(plan.apiAdvertise.port),
        ...(plan.store === 'etcd' ? ['--etcd-servers', etcdEndpoint(paths.etcd(plan.name))] : []),
        '--authorization-mode',
        'Node,RBAC',
        '--enable-admission-plugins',
        'NodeRestriction',
        '--tls-cert-file',
        pkiFiles.servingCert(plan.name),
        '--tls-private-key-file',
        pkiFiles.servingKey(plan.name),
        '--client-ca-file',
        pkiFiles.caCert(plan.name),
        '--tls-socket',
        paths.tlsSocket(plan.name),
        '--token-auth-file',
        pkiFiles.tokenAuthFile(plan.name),
        '--service-account-key-file',
        pkiFiles.saPub(plan.name),
        '--service-account-signing-key-file',
        pkiFiles.saKey(plan.name),
        '--service-account-issuer',
        `https://kubernetes.default.svc.${plan.clusterDomain}`,
      ],
    },
    {
      name: 'controller-manager',
      argv: [node, distEntry(home, 'controllers/main.js'), '--server', server, ...token('controller-manager'), '--root-ca-file', pkiFiles.caCert(plan.name), '--node-grace-period', String(plan.nodeGracePeriodSeconds)],
    },
  ];
  if (plan.store === 'etcd') {
    const dir = paths.etcd(plan.name);
    out.unshift({ name: 'etcd', argv: etcdArgv(dir), cwd: dir, sockets: etcdSockets(dir) });
  }
  out.push({
    name: 'router',
    argv: runtime.hostCommand(plan, 'router', [
      node,
      distEntry(home, 'router/main.js'),
      '--server',
      server,
      ...token('router'),
      '--api-tls-socket',
      paths.tlsSocket(plan.name),
      '--api-listen',
      `${plan.apiAdvertise.ip}:${plan.apiAdvertise.port}`,
      '--lb-pool',
      plan.lbPool,
    ]),
  });
  out.push(
    {
      name: 'upstream-dns',
      argv: runtime.hostCommand(plan, 'external', [node, distEntry(home, 'dns/main.js'), '--zone-file', paths.upstreamZone(plan.name), '--listen', `${plan.external.dnsIP}:53`]),
    },
    { name: 'external-web', argv: runtime.hostCommand(plan, 'external', [node, path.join(home, 'dist', 'images', 'external', 'main.js')]) },
    // In the host's namespace, on 127.0.0.1 only: the workshop's browser runs here.
    { name: 'dashboard', argv: [node, distEntry(home, 'ui/main.js'), '--lab', plan.name, '--port', String(state.uiPort ?? 0), '--port-file', paths.uiPort(plan.name), ...token('dashboard'), '--ca-file', pkiFiles.caCert(plan.name)] },
  );
  for (const n of plan.nodes) {
    // Nodes of hosts 2..N reach the API across the overlay, through the router's relay (as
    // kubernetes.default), so a cut link silences them as it would a machine; host1's use the socket.
    const remote = n.host !== undefined && n.host !== plan.overlay?.hosts[0]?.name;
    out.push({
      name: `agent-${n.name}`,
      argv: runtime.nodeCommand(plan, n, [
        node,
        distEntry(home, 'agent/main.js'),
        '--server',
        remote ? `https://${plan.apiAdvertise.ip}:${plan.apiAdvertise.port}` : server,
        ...token(`agent-${n.name}`),
        ...(remote ? ['--ca-file', pkiFiles.caCert(plan.name)] : []),
        '--node',
        n.name,
        '--node-ip',
        n.ip,
        '--pod-cidr',
        n.podCIDR,
        '--proxy-mode',
        plan.proxyMode,
        '--lab',
        plan.name,
        '--runtime',
        plan.runtime,
        '--ipvs-scheduler',
        plan.ipvsScheduler,
        '--state-dir',
        paths.store(plan.name),
        '--cluster-dns',
        plan.clusterDNS,
        '--cluster-domain',
        plan.clusterDomain,
        '--cluster-cidr',
        plan.podCIDR,
        ...(plan.overlay ? ['--mtu', String(plan.overlay.mtu)] : []),
      ]),
    });
  }
  return out;
}
