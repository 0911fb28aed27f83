// A real API server (HTTP on 127.0.0.1, durable store in a temp dir) inside the
// test process: what unit tests of the API and the client talk to. With
// SVCLAB_TEST_STORE=etcd (or store: 'etcd') its objects live in a real etcd.
import type { ExecutionContext } from 'ava';
import type { AddressInfo } from 'node:net';
import { assemble, type AuthOptions } from '../../src/apiserver/assemble.js';
import type { Registry } from '../../src/apiserver/registry.js';
import type { ApiServer, TlsOptions } from '../../src/apiserver/server.js';
import type { ObjectStore } from '../../src/apiserver/store.js';
import type { ServiceAllocations } from '../../src/apiserver/allocators/service-allocations.js';
import { ApiClient } from '../../src/client/client.js';
import { startEtcd, type TestEtcd } from './etcd.js';
import { tempDir } from './tmp.js';

/** A server restarted on the same dir finds the same etcd. */
const etcds = new Map<string, TestEtcd>();

export interface TestServer {
  url: string;
  port: number;
  dir: string;
  client: ApiClient;
  store: ObjectStore;
  registry: Registry;
  server: ApiServer;
  allocations: ServiceAllocations;
  stop(): void;
}

export async function startApiServer(
  t: ExecutionContext<unknown>,
  opts: { dir?: string; port?: number; historySize?: number; advertise?: { ip: string; port: number }; kubeletSocketDir?: string; store?: 'embedded' | 'etcd'; authorizationMode?: string; admissionPlugins?: string; auth?: AuthOptions; tls?: TlsOptions } = {},
): Promise<TestServer> {
  const dir = opts.dir ?? tempDir(t);
  let etcd: TestEtcd | undefined;
  if ((opts.store ?? process.env.SVCLAB_TEST_STORE) === 'etcd') {
    etcd = etcds.get(dir) ?? (await startEtcd(t));
    etcds.set(dir, etcd);
  }
  const { store, registry, server, allocations } = await assemble({
    stateDir: dir,
    etcdServers: etcd && [etcd.endpoint],
    historySize: opts.historySize,
    advertise: opts.advertise,
    kubeletSocketDir: opts.kubeletSocketDir,
    authorizationMode: opts.authorizationMode,
    admissionPlugins: opts.admissionPlugins,
    auth: opts.auth,
  });
  await server.listen(opts.port ?? 0, undefined, opts.tls);
  const port = (server.servers[0]!.address() as AddressInfo).port;
  const url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const client = new ApiClient({ server: url, timeoutMs: 5000, ...(opts.tls ? { tls: { ca: opts.tls.ca } } : {}) });
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    client.close();
    server.close();
    store.close();
  };
  t.teardown(stop);
  return { url, port, dir, client, store, registry, server, allocations, stop };
}
