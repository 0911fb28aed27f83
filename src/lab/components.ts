// The processes of a running lab and how each is started.
import path from 'node:path';
import type { Runtime } from '../runtime/runtime.js';
import { apiServerPort, apiServersFrom, controlPlaneHosts, etcdClientPort, etcdMembers, etcdPeerPort, memberDir, onHost, replicaSocket, replicaTlsSocket } from './control-plane.js';
import { etcdArgv, etcdEndpoint, etcdMemberArgv, etcdSockets, type MemberTls } from './etcd.js';
import { nodeCredentials, pkiFiles } from './credentials.js';
import { overlayMTU, type LabPlan, type NodePlan } from './plan.js';
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

/** kube-apiserver's flags, the same on every replica of a lab (a joined machine's own: no router's egress there). */
function apiServerFlags(plan: LabPlan): Record<string, string> {
  const flags: Record<string, string> = {
    'state-dir': paths.store(plan.name),
    'kubelet-socket-dir': paths.kubeletSockets(plan.name),
    'service-cluster-ip-range': plan.serviceCIDR,
    'service-node-port-range': plan.nodePortRange,
    'advertise-address': plan.apiAdvertise.ip,
    'advertise-port': String(plan.apiAdvertise.port),
    'authorization-mode': 'Node,RBAC',
    'enable-admission-plugins': 'NodeRestriction',
    'tls-cert-file': pkiFiles.servingCert(plan.name),
    'tls-private-key-file': pkiFiles.servingKey(plan.name),
    'client-ca-file': pkiFiles.caCert(plan.name),
    'token-auth-file': pkiFiles.tokenAuthFile(plan.name),
    'service-account-key-file': pkiFiles.saPub(plan.name),
    'service-account-signing-key-file': pkiFiles.saKey(plan.name),
    'service-account-issuer': `https://kubernetes.default.svc.${plan.clusterDomain}`,
  };
  // Other machines' kubelets: TLS to <node IP>:10250 through the router's egress socket.
  if (plan.vxlan && !plan.joined) {
    Object.assign(flags, {
      'egress-socket': paths.egressSocket(plan.name),
      'kubelet-certificate-authority': pkiFiles.caCert(plan.name),
      'kubelet-client-certificate': pkiFiles.kubeletClientCert(plan.name),
      'kubelet-client-key': pkiFiles.kubeletClientKey(plan.name),
    });
  }
  return flags;
}

function apiServerArgv(state: LabState, extra: string[]): string[] {
  return [process.execPath, distEntry(state.home, 'apiserver/main.js'), ...Object.entries(apiServerFlags(state.plan)).flatMap(([f, v]) => [`--${f}`, v]), ...extra];
}

/** The controller-manager on apiServer, with its token and the CA that signs nodes' certificates. */
function controllerManagerArgv(state: LabState, apiServer: string, extra: string[]): string[] {
  const { plan } = state;
  const vxlan = plan.vxlan;
  return [
    process.execPath,
    distEntry(state.home, 'controllers/main.js'),
    '--server',
    apiServer,
    '--token-file',
    pkiFiles.componentToken(plan.name, 'controller-manager'),
    '--root-ca-file',
    pkiFiles.caCert(plan.name),
    '--cluster-signing-cert-file',
    pkiFiles.caCert(plan.name),
    '--cluster-signing-key-file',
    pkiFiles.caKey(plan.name),
    '--node-grace-period',
    String(plan.nodeGracePeriodSeconds),
    // Other machines join: the host controller allocates their nodes from the lab's address plan.
    ...(vxlan ? ['--node-cidr', plan.nodeCIDR, '--cluster-cidr', plan.podCIDR, '--overlay-vni', String(vxlan.vni), '--overlay-mtu', String(vxlan.mtu)] : []),
    ...extra,
  ];
}

/** The TLS files of etcd member `host` (issued by the lab CA; on a joined control plane, by its downloaded copy). */
function memberTls(lab: string, host: string): MemberTls {
  return { ca: pkiFiles.caCert(lab), cert: pkiFiles.etcdServerCert(lab, host), key: pkiFiles.etcdServerKey(lab, host), peerCert: pkiFiles.etcdPeerCert(lab, host), peerKey: pkiFiles.etcdPeerKey(lab, host) };
}

export function componentsFor(state: LabState, runtime: Runtime): Component[] {
  const { plan, home } = state;
  if (plan.joined) return joinedComponents(state, runtime);
  const node = process.execPath;
  const server = socketServer(plan.name);
  // Each component's bearer token is in a root-only file; only its path is on the command line.
  const token = (component: string) => ['--token-file', pkiFiles.componentToken(plan.name, component)];
  const vxlan = plan.vxlan;
  const hosts = controlPlaneHosts(plan);
  const apiArgv = (extra: string[]): string[] => apiServerArgv(state, extra);
  // The API server of the machine's own namespace: the CLI's 127.0.0.1 port, api.sock, and --listen's address.
  const firstApi = ['--port-file', paths.apiPort(plan.name), ...(plan.listen ? ['--listen-address', `${plan.listen.ip}:${plan.listen.port}`] : [])];
  const controllerManager = (apiServer: string, extra: string[]): string[] => controllerManagerArgv(state, apiServer, extra);
  const out: Component[] = [];
  if (hosts.length === 0) {
    // One API server (host 1, the machine's own namespace), on the embedded store or a one-member etcd.
    // With --listen, the member also serves clients and peers over TLS on the listen address: machines
    // that join as control planes add their members to it, and its controller-manager is leader elected.
    const [member] = etcdMembers(plan);
    if (plan.store === 'etcd') {
      const dir = paths.etcd(plan.name);
      const argv = member ? etcdMemberArgv(dir, member.name, member.ip, [member], memberTls(plan.name, member.name), { client: etcdClientPort, peer: etcdPeerPort }) : etcdArgv(dir);
      out.push({ name: 'etcd', argv, cwd: dir, sockets: etcdSockets(dir) });
    }
    const etcd = plan.store === 'etcd' ? ['--etcd-servers', etcdEndpoint(paths.etcd(plan.name))] : [];
    out.push(
      { name: 'apiserver', argv: apiArgv([...firstApi, '--socket', paths.socket(plan.name), '--tls-socket', paths.tlsSocket(plan.name), ...etcd]) },
      { name: 'controller-manager', argv: controllerManager(server, member ? ['--leader-elect', '--leader-elect-identity', member.name] : []) },
    );
  } else {
    // One etcd member, API server replica and controller-manager (leader elected) per host.
    const lab = plan.name;
    for (const h of hosts) {
      const dir = memberDir(lab, h);
      out.push({ name: onHost('etcd', h), argv: runtime.hostCommand(plan, h.name, etcdMemberArgv(dir, h.name, h.ip, hosts, memberTls(lab, h.name), { client: etcdClientPort, peer: etcdPeerPort })), cwd: dir, sockets: etcdSockets(dir) });
    }
    for (const h of hosts) {
      const own = [h, ...hosts.filter((o) => o !== h)];
      // Host k's replica, in its host's namespace, reaches every member over TLS on the transit network (its own
      // first). Host 1's is in the machine's own namespace (the CLI's 127.0.0.1 port), which has no route there:
      // it uses its own member's local socket only (kubeadm's stacked etcd), since through the others' sockets
      // it would reach members a cut link has isolated.
      const etcd = h.first
        ? ['--etcd-servers', etcdEndpoint(memberDir(lab, h))]
        : ['--etcd-servers', own.map((m) => `https://${m.ip}:${etcdClientPort}`).join(','), '--etcd-cafile', pkiFiles.caCert(lab), '--etcd-certfile', pkiFiles.etcdClientCert(lab), '--etcd-keyfile', pkiFiles.etcdClientKey(lab)];
      const sockets = ['--socket', replicaSocket(lab, h), '--tls-socket', replicaTlsSocket(lab, h)];
      // Host k's replica also serves HTTPS on its host's address, as on a machine of a real cluster.
      const port = h.first ? firstApi : ['--bind-address', h.ip, '--port', String(apiServerPort)];
      const argv = apiArgv([...port, ...sockets, ...etcd]);
      out.push({ name: onHost('apiserver', h), argv: h.first ? argv : runtime.hostCommand(plan, h.name, argv), sockets: [replicaSocket(lab, h), replicaTlsSocket(lab, h)] });
      // Each on its own host's replica only (kubeadm's layout): a host cut off cannot renew the Lease elsewhere.
      const cm = controllerManager(`unix:${replicaSocket(lab, h)}`, ['--leader-elect', '--leader-elect-identity', h.name]);
      out.push({ name: onHost('controller-manager', h), argv: h.first ? cm : runtime.hostCommand(plan, h.name, cm) });
    }
  }
  out.push({
    name: 'router',
    argv: runtime.hostCommand(plan, 'router', [
      node,
      distEntry(home, 'router/main.js'),
      '--server',
      server,
      ...token('router'),
      ...(hosts.length ? hosts.map((h) => replicaTlsSocket(plan.name, h)) : [paths.tlsSocket(plan.name)]).flatMap((s) => ['--api-tls-socket', s]),
      ...apiServersFrom(plan, undefined).slice(1).flatMap((s) => ['--fallback-server', s]),
      '--api-listen',
      `${plan.apiAdvertise.ip}:${plan.apiAdvertise.port}`,
      '--lb-pool',
      plan.lbPool,
      // Joined hosts' nodes come and go: the router's pod routes follow the Nodes.
      ...(vxlan ? ['--pod-routes', '--egress-socket', paths.egressSocket(plan.name)] : []),
    ]),
    sockets: vxlan ? [paths.egressSocket(plan.name)] : undefined,
  });
  if (vxlan) out.push(overlayComponent(state, ['--server', server, ...token('overlay')]));
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
    // Without a replica per host, nodes of hosts 2..N reach the API across the overlay, through the
    // router's relay (as kubernetes.default), so a cut link silences them as it would a machine;
    // host1's use the socket. With one (etcd), every node uses its own host's replica (a kubelet
    // next to an API server talks to it locally), then the relay, which reaches any live replica.
    const relay = `https://${plan.apiAdvertise.ip}:${plan.apiAdvertise.port}`;
    const servers = hosts.length ? [apiServersFrom(plan, n.host)[0]!, relay] : n.host !== undefined && n.host !== plan.overlay?.hosts[0]?.name ? [relay] : [server];
    out.push({
      name: `agent-${n.name}`,
      argv: runtime.nodeCommand(plan, n, [
        node,
        distEntry(home, 'agent/main.js'),
        '--server',
        servers[0]!,
        ...servers.slice(1).flatMap((s) => ['--fallback-server', s]),
        ...token(`agent-${n.name}`),
        ...(servers.includes(relay) ? ['--ca-file', pkiFiles.caCert(plan.name)] : []),
        ...nodeArgs(plan, n),
      ]),
    });
  }
  return out;
}

/** The agent's flags that say which node it runs and in which lab, after its server and credentials. */
function nodeArgs(plan: LabPlan, n: NodePlan): string[] {
  const mtu = overlayMTU(plan);
  return [
    ...['--node', n.name, '--node-ip', n.ip, '--pod-cidr', n.podCIDR, '--proxy-mode', plan.proxyMode, '--lab', plan.name, '--runtime', plan.runtime],
    ...['--ipvs-scheduler', plan.ipvsScheduler, '--state-dir', paths.store(plan.name), '--cluster-dns', plan.clusterDNS, '--cluster-domain', plan.clusterDomain, '--cluster-cidr', plan.podCIDR],
    ...(mtu ? ['--mtu', String(mtu)] : []),
  ];
}

/** This machine's overlay daemon: the flood list of its switch's vxlan0, from the Hosts. */
function overlayComponent(state: LabState, credentials: string[]): Component {
  const { plan, home } = state;
  return { name: 'overlay', argv: [process.execPath, distEntry(home, 'overlay/main.js'), ...credentials, '--host', plan.vxlan!.host, '--switch', plan.switchNetns] };
}

/**
 * A joined machine runs its nodes' agents and its overlay daemon. The agents reach the API as the
 * control plane's pods do, at the router's relay across the overlay (so a cut link silences them as
 * it would a machine); the overlay daemon at the listen address (it makes the overlay). Joined as a
 * control plane, it runs its own etcd member, API server replica and controller-manager too.
 */
function joinedComponents(state: LabState, runtime: Runtime): Component[] {
  const { plan, home } = state;
  const lab = plan.name;
  const certs = (n: string) => {
    const c = nodeCredentials(lab, n);
    return ['--ca-file', c.ca, '--cert-file', c.cert, '--key-file', c.key];
  };
  const cp = plan.joined!.controlPlane;
  const out: Component[] = [overlayComponent(state, ['--server', plan.joined!.server, ...certs(plan.nodes[0]!.name)])];
  if (cp) {
    // kubeadm's stacked control plane: an etcd member, an API server replica on this machine's address
    // using that member only, and a leader-elected controller-manager on that replica.
    const dir = paths.etcd(lab);
    out.push(
      { name: 'etcd', argv: etcdMemberArgv(dir, cp.member, cp.ip, { existing: cp.initialCluster }, memberTls(lab, cp.member), { client: etcdClientPort, peer: etcdPeerPort }), cwd: dir, sockets: etcdSockets(dir) },
      {
        name: 'apiserver',
        argv: apiServerArgv(state, ['--bind-address', cp.ip, '--port', String(apiServerPort), '--socket', paths.socket(lab), '--tls-socket', paths.tlsSocket(lab), '--etcd-servers', etcdEndpoint(dir)]),
        sockets: [paths.socket(lab), paths.tlsSocket(lab)],
      },
      { name: 'controller-manager', argv: controllerManagerArgv(state, socketServer(lab), ['--leader-elect', '--leader-elect-identity', cp.member]) },
    );
  }
  // The agents use this machine's replica first (TLS on its socket), then the control plane's relay.
  const relay = `https://${plan.apiAdvertise.ip}:${plan.apiAdvertise.port}`;
  const servers = cp ? [`unix+https:${paths.tlsSocket(lab)}`, relay] : [relay];
  for (const n of plan.nodes) {
    out.push({
      name: `agent-${n.name}`,
      argv: runtime.nodeCommand(plan, n, [
        process.execPath,
        distEntry(home, 'agent/main.js'),
        '--server',
        servers[0]!,
        ...servers.slice(1).flatMap((s) => ['--fallback-server', s]),
        ...certs(n.name),
        '--host',
        plan.vxlan!.host,
        // The kubelet API over TLS on <node IP>:10250, for the control plane's API server.
        '--server-tls-bootstrap',
        '--cert-dir',
        path.dirname(nodeCredentials(lab, n.name).cert),
        ...nodeArgs(plan, n),
      ]),
    });
  }
  return out;
}
