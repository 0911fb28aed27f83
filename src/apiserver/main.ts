// The API server process: store + registry + HTTP on 127.0.0.1 and a unix socket.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { assemble } from './assemble.js';
import { authorizationModes } from './auth/modes.js';
import { admissionPlugins } from './admission/plugins.js';
import { readTokenFile } from './auth/token-file.js';

const { values } = parseArgs({
  options: {
    'state-dir': { type: 'string' },
    port: { type: 'string' },
    /** Where the TCP port listens (kube-apiserver's flag): 127.0.0.1, or a control-plane host's own address. */
    'bind-address': { type: 'string', default: '127.0.0.1' },
    'port-file': { type: 'string' },
    socket: { type: 'string' },
    log: { type: 'boolean', default: false },
    'kubelet-socket-dir': { type: 'string' },
    /** Kubelets of joined machines over TLS (kube-apiserver's flags), reached through the router's HTTP-CONNECT egress socket. */
    'kubelet-client-certificate': { type: 'string' },
    'kubelet-client-key': { type: 'string' },
    'kubelet-certificate-authority': { type: 'string' },
    'egress-socket': { type: 'string' },
    'service-cluster-ip-range': { type: 'string', default: '10.96.0.0/12' },
    'service-node-port-range': { type: 'string', default: '30000-32767' },
    'advertise-address': { type: 'string' },
    'advertise-port': { type: 'string', default: '6443' },
    'etcd-servers': { type: 'string' },
    'etcd-cafile': { type: 'string' },
    'etcd-certfile': { type: 'string' },
    'etcd-keyfile': { type: 'string' },
    'authorization-mode': { type: 'string', default: 'AlwaysAllow' },
    /** Validating admission plugins beyond the built-in ServiceAccount one (kubeadm: NodeRestriction). */
    'enable-admission-plugins': { type: 'string', default: '' },
    // TLS and authentication, named as kube-apiserver's flags.
    'tls-cert-file': { type: 'string' },
    'tls-private-key-file': { type: 'string' },
    'client-ca-file': { type: 'string' },
    /** A unix socket serving the same TLS as the TCP port: the router relays pods' connections to it. */
    'tls-socket': { type: 'string' },
    /** IP:PORT: the same TLS on another address too, for hosts that join (lab up --listen). */
    'listen-address': { type: 'string' },
    'token-auth-file': { type: 'string' },
    'service-account-key-file': { type: 'string' },
    'service-account-signing-key-file': { type: 'string' },
    'service-account-issuer': { type: 'string', default: 'https://kubernetes.default.svc.cluster.local' },
  },
});

const stateDir = values['state-dir'];
if (!stateDir) {
  console.error('apiserver: --state-dir is required');
  process.exit(2);
}

if (values['egress-socket'] && !(values['kubelet-client-certificate'] && values['kubelet-client-key'] && values['kubelet-certificate-authority'])) {
  console.error('apiserver: --egress-socket needs --kubelet-client-certificate, --kubelet-client-key and --kubelet-certificate-authority');
  process.exit(2);
}

const unknownMode = values['authorization-mode']!.split(',').map((m) => m.trim()).find((m) => !(authorizationModes as readonly string[]).includes(m));
if (unknownMode !== undefined) {
  console.error(`apiserver: --authorization-mode: "${unknownMode}" is not supported (choose from ${authorizationModes.join(', ')}, comma-separated)`);
  process.exit(2);
}

const unknownPlugin = values['enable-admission-plugins']!.split(',').map((p) => p.trim()).find((p) => p && !(admissionPlugins as readonly string[]).includes(p));
if (unknownPlugin !== undefined) {
  console.error(`apiserver: --enable-admission-plugins: "${unknownPlugin}" is not supported (choose from ${admissionPlugins.join(', ')}, comma-separated)`);
  process.exit(2);
}

const [min, max] = values['service-node-port-range']!.split('-').map(Number);
const read = (flag: keyof typeof values): string | undefined => (values[flag] ? fs.readFileSync(values[flag] as string, 'utf8') : undefined);
const extra = values['listen-address'] ? /^(.+):(\d+)$/.exec(values['listen-address']) : undefined;
const tls = values['tls-cert-file']
  ? { cert: read('tls-cert-file')!, key: read('tls-private-key-file')!, ca: read('client-ca-file')!, socketPath: values['tls-socket'], ...(extra ? { listen: { ip: extra[1]!, port: Number(extra[2]) } } : {}) }
  : undefined;
const saSigning = read('service-account-signing-key-file');
const auth = tls
  ? {
      tokens: values['token-auth-file'] ? readTokenFile(values['token-auth-file']) : undefined,
      serviceAccounts: saSigning ? { signingKeyPem: saSigning, publicKeyPem: read('service-account-key-file')!, issuer: values['service-account-issuer']! } : undefined,
      log: (line: string) => console.log(line),
    }
  : undefined;
const { store, server } = await assemble({
  authorizationMode: values['authorization-mode'],
  admissionPlugins: values['enable-admission-plugins'],
  stateDir,
  etcdServers: values['etcd-servers']?.split(',').filter(Boolean),
  etcdTls: values['etcd-cafile'] ? { ca: fs.readFileSync(values['etcd-cafile']), cert: fs.readFileSync(values['etcd-certfile']!), key: fs.readFileSync(values['etcd-keyfile']!) } : undefined,
  kubeletSocketDir: values['kubelet-socket-dir'],
  kubeletEgress: values['egress-socket'] ? { socket: values['egress-socket'], ca: Buffer.from(read('kubelet-certificate-authority')!), cert: Buffer.from(read('kubelet-client-certificate')!), key: Buffer.from(read('kubelet-client-key')!) } : undefined,
  serviceCIDR: values['service-cluster-ip-range'],
  nodePortRange: { min: min!, max: max! },
  advertise: values['advertise-address'] ? { ip: values['advertise-address'], port: Number(values['advertise-port']) } : undefined,
  auth,
});
server.log = values.log;
const sockets = [values.socket, tls?.socketPath].filter((s): s is string => !!s);
const unlinkSockets = (): void => sockets.forEach((s) => fs.existsSync(s) && fs.unlinkSync(s));
unlinkSockets();
const port = await listenPort(values.port, values['port-file']);
for (const s of sockets) fs.chmodSync(s, 0o600); // lab components run as root; nobody else connects
console.log(`apiserver: serving ${tls ? 'HTTPS' : 'HTTP'} on ${values['bind-address']}:${port}${tls?.listen ? ` and ${tls.listen.ip}:${tls.listen.port}` : ''}${sockets.length ? ` and ${sockets.join(', ')}` : ''}, resourceVersion ${store.resourceVersion}`);

/**
 * --port P listens on P. With --port-file, the port recorded there is reused
 * across restarts; the first start (or a recorded port someone else took
 * meanwhile) lets the kernel choose and records it. Choosing a port ahead and
 * binding it later races with every outgoing connection on the host.
 */
async function listenPort(fixed: string | undefined, portFile: string | undefined): Promise<number> {
  if (fixed) {
    await server.listen(Number(fixed), values.socket, tls, values['bind-address']);
    return Number(fixed);
  }
  const recorded = portFile && fs.existsSync(portFile) ? Number(fs.readFileSync(portFile, 'utf8')) : 0;
  try {
    await server.listen(recorded, values.socket, tls, values['bind-address']);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || recorded === 0) throw e;
    server.close();
    unlinkSockets();
    await server.listen(0, values.socket, tls, values['bind-address']);
  }
  const port = server.port();
  if (portFile) {
    fs.writeFileSync(`${portFile}.tmp`, String(port), { mode: 0o600 });
    fs.renameSync(`${portFile}.tmp`, portFile);
  }
  return port;
}

const stop = (): void => {
  server.close();
  store.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
