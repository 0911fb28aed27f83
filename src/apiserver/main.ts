// The API server process: store + registry + HTTP on 127.0.0.1 and a unix socket.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureSystemNamespaces, startNamespaceFinalizer } from './namespaces.js';
import { Registry } from './registry.js';
import { ApiServer } from './server.js';
import { Store } from './store.js';
import { strategies } from './strategies/index.js';

const { values } = parseArgs({
  options: {
    'state-dir': { type: 'string' },
    port: { type: 'string', default: '6443' },
    socket: { type: 'string' },
    log: { type: 'boolean', default: false },
  },
});

const stateDir = values['state-dir'];
if (!stateDir) {
  console.error('apiserver: --state-dir is required');
  process.exit(2);
}

const store = new Store(path.join(stateDir, 'store'));
const registry = new Registry(store);
for (const s of strategies) registry.register(s);
await ensureSystemNamespaces(registry);
startNamespaceFinalizer(registry);

const server = new ApiServer(registry);
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
