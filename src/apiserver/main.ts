// The API server process: store + registry + HTTP on 127.0.0.1 and a unix socket.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { assemble } from './assemble.js';

const { values } = parseArgs({
  options: {
    'state-dir': { type: 'string' },
    port: { type: 'string', default: '6443' },
    socket: { type: 'string' },
    log: { type: 'boolean', default: false },
    'kubelet-socket-dir': { type: 'string' },
    'service-cluster-ip-range': { type: 'string', default: '10.96.0.0/12' },
    'service-node-port-range': { type: 'string', default: '30000-32767' },
    'advertise-address': { type: 'string' },
    'advertise-port': { type: 'string', default: '6443' },
  },
});

const stateDir = values['state-dir'];
if (!stateDir) {
  console.error('apiserver: --state-dir is required');
  process.exit(2);
}

const [min, max] = values['service-node-port-range']!.split('-').map(Number);
const { store, server } = await assemble({
  stateDir,
  kubeletSocketDir: values['kubelet-socket-dir'],
  serviceCIDR: values['service-cluster-ip-range'],
  nodePortRange: { min: min!, max: max! },
  advertise: values['advertise-address'] ? { ip: values['advertise-address'], port: Number(values['advertise-port']) } : undefined,
});
server.log = values.log;
if (values.socket && fs.existsSync(values.socket)) fs.unlinkSync(values.socket);
await server.listen(Number(values.port), values.socket);
console.log(`apiserver: serving on 127.0.0.1:${values.port}${values.socket ? ` and ${values.socket}` : ''}, resourceVersion ${store.resourceVersion}`);

const stop = (): void => {
  server.close();
  store.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
