// A real API server (HTTP on 127.0.0.1, durable store in a temp dir) inside the
// test process: what unit tests of the API and the client talk to.
import type { ExecutionContext } from 'ava';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ensureSystemNamespaces, startNamespaceFinalizer } from '../../src/apiserver/namespaces.js';
import { Registry } from '../../src/apiserver/registry.js';
import { ApiServer } from '../../src/apiserver/server.js';
import { Store } from '../../src/apiserver/store.js';
import { strategies } from '../../src/apiserver/strategies/index.js';
import { ApiClient } from '../../src/client/client.js';
import { tempDir } from './tmp.js';

export interface TestServer {
  url: string;
  port: number;
  dir: string;
  client: ApiClient;
  store: Store;
  server: ApiServer;
  stop(): void;
}

export async function startApiServer(t: ExecutionContext<unknown>, opts: { dir?: string; port?: number; historySize?: number } = {}): Promise<TestServer> {
  const dir = opts.dir ?? tempDir(t);
  const store = new Store(path.join(dir, 'store'), { historySize: opts.historySize });
  const registry = new Registry(store);
  for (const s of strategies) registry.register(s);
  await ensureSystemNamespaces(registry);
  startNamespaceFinalizer(registry);
  const server = new ApiServer(registry);
  await server.listen(opts.port ?? 0);
  const port = (server.servers[0]!.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const client = new ApiClient({ server: url, timeoutMs: 5000 });
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    client.close();
    server.close();
    store.close();
  };
  t.teardown(stop);
  return { url, port, dir, client, store, server, stop };
}
