// The API server process: store + registry + HTTP on 127.0.0.1 and a unix socket.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { assemble } from './assemble.js';
import { authorizationModes } from './auth/modes.js';

const { values } = parseArgs({
  options: {
    'state-dir': { type: 'string' },
    port: { type: 'string' },
    'port-file': { type: 'string' },
    socket: { type: 'string' },
    log: { type: 'boolean', default: false },
    'kubelet-socket-dir': { type: 'string' },
    'service-cluster-ip-range': { type: 'string', default: '10.96.0.0/12' },
    'service-node-port-range': { type: 'string', default: '30000-32767' },
    'advertise-address': { type: 'string' },
    'advertise-port': { type: 'string', default: '6443' },
    'etcd-servers': { type: 'string' },
    'authorization-mode': { type: 'string', default: 'AlwaysAllow' },
  },
});

const stateDir = values['state-dir'];
if (!stateDir) {
  console.error('apiserver: --state-dir is required');
  process.exit(2);
}

const unknownMode = values['authorization-mode']!.split(',').map((m) => m.trim()).find((m) => !(authorizationModes as readonly string[]).includes(m));
if (unknownMode !== undefined) {
  console.error(`apiserver: --authorization-mode: "${unknownMode}" is not supported (choose from ${authorizationModes.join(', ')}, comma-separated)`);
  process.exit(2);
}

const [min, max] = values['service-node-port-range']!.split('-').map(Number);
const { store, server } = await assemble({
  authorizationMode: values['authorization-mode'],
  stateDir,
  etcdServers: values['etcd-servers']?.split(',').filter(Boolean),
  kubeletSocketDir: values['kubelet-socket-dir'],
  serviceCIDR: values['service-cluster-ip-range'],
  nodePortRange: { min: min!, max: max! },
  advertise: values['advertise-address'] ? { ip: values['advertise-address'], port: Number(values['advertise-port']) } : undefined,
});
server.log = values.log;
if (values.socket && fs.existsSync(values.socket)) fs.unlinkSync(values.socket);
const port = await listenPort(values.port, values['port-file']);
if (values.socket) fs.chmodSync(values.socket, 0o600); // lab components run as root; nobody else connects
console.log(`apiserver: serving on 127.0.0.1:${port}${values.socket ? ` and ${values.socket}` : ''}, resourceVersion ${store.resourceVersion}`);

/**
 * --port P listens on P. With --port-file, the port recorded there is reused
 * across restarts; the first start (or a recorded port someone else took
 * meanwhile) lets the kernel choose and records it. Choosing a port ahead and
 * binding it later races with every outgoing connection on the host.
 */
async function listenPort(fixed: string | undefined, portFile: string | undefined): Promise<number> {
  if (fixed) {
    await server.listen(Number(fixed), values.socket);
    return Number(fixed);
  }
  const recorded = portFile && fs.existsSync(portFile) ? Number(fs.readFileSync(portFile, 'utf8')) : 0;
  try {
    await server.listen(recorded, values.socket);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || recorded === 0) throw e;
    server.close();
    if (values.socket && fs.existsSync(values.socket)) fs.unlinkSync(values.socket);
    await server.listen(0, values.socket);
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
