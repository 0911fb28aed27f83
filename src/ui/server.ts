// `lab ui`: the workshop dashboard on 127.0.0.1. The lab's objects come from
// informers (list + watch), per-endpoint counters from the nodes' kernels
// (counters.ts), traces and faults run on request. A lab component: the
// supervisor starts it with the lab (ui/main.ts).
// The page and its libraries are served from the checkout: no CDN.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { isReady } from '../api/conditions.js';
import { types } from '../api/resources.js';
import type { Endpoints, KubeObject, Node, Pod, Service } from '../api/types.js';
import { ApiClient, type Connection } from '../client/client.js';
import { Informer } from '../client/informer.js';
import type { LabState } from '../lab/state.js';
import type { Ctx } from '../scenario/context.js';
import { UserError } from '../util/errors.js';
import type { EndpointCounts } from './counters.js';

/** The page and its libraries, from the checkout that runs the lab. */
function pageFiles(home: string): Record<string, [string, string]> {
  return {
    '/': [path.join(home, 'src', 'ui', 'page', 'index.html'), 'text/html; charset=utf-8'],
    '/app.js': [path.join(home, 'src', 'ui', 'page', 'app.js'), 'text/javascript; charset=utf-8'],
    '/lib/cytoscape.min.js': [path.join(home, 'node_modules', 'cytoscape', 'dist', 'cytoscape.min.js'), 'text/javascript; charset=utf-8'],
  };
}

const faults = ['deletePod', 'failReadiness', 'restoreReadiness', 'stopAgent', 'resumeAgent', 'linkDown', 'linkUp'] as const;

export interface Dashboard {
  url: string;
  close(): Promise<void>;
}

function readBody(req: http.IncomingMessage): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      try {
        resolve(text ? (JSON.parse(text) as Record<string, string>) : {});
      } catch (e) {
        reject(Object.assign(new Error(`the request body is not JSON: ${(e as Error).message}`), { code: 400 }));
      }
    });
  });
}

/** api: the dashboard's own connection (its token, as a lab component). */
export async function startDashboard(name: string, state: LabState, apiConnection: Connection, port = 0): Promise<Dashboard> {
  const files = pageFiles(state.home);
  const client = new ApiClient({ ...apiConnection, timeoutMs: 10_000 });
  const informers = { nodes: new Informer<Node>(client, types.nodes), pods: new Informer<Pod>(client, types.pods), services: new Informer<Service>(client, types.services), endpoints: new Informer<Endpoints>(client, types.endpoints) };
  for (const i of Object.values(informers)) (i as Informer<KubeObject>).start();
  // Counters are read when the page asks (every second while one is open), at most once a second.
  let counters: EndpointCounts = { unit: 'packets', counts: {} };
  let countersAt = 0;
  let reading: Promise<void> | undefined;
  const freshCounters = async (): Promise<EndpointCounts> => {
    if (Date.now() - countersAt > 900) {
      // Loaded with the first page: an unwatched dashboard stays small (the runtimes' code is ~16 MB).
      reading ??= import('./counters.js')
        .then(({ readEndpointCounts }) => readEndpointCounts(name, state.plan))
        .then((c) => void ((counters = c), (countersAt = Date.now())))
        .finally(() => (reading = undefined));
      await reading;
    }
    return counters;
  };
  const ctx: Ctx = { lab: name, plan: state.plan, api: apiConnection, client, namespace: 'default', dir: state.home, signal: new AbortController().signal, check: () => Promise.reject(new Error('no checks here')), seenPorts: new Map() };

  const api = async (req: http.IncomingMessage, url: URL): Promise<unknown> => {
    if (url.pathname === '/api/state') {
      const { unit, counts } = await freshCounters();
      return {
        lab: name,
        proxyMode: state.plan.proxyMode,
        counterUnit: unit,
        nodes: informers.nodes.list().map((n) => ({ name: n.metadata.name, ip: state.plan.nodes.find((p) => p.name === n.metadata.name)?.ip, ready: isReady(n) })),
        pods: informers.pods.list().map((p) => ({ namespace: p.metadata.namespace, name: p.metadata.name, node: p.spec.nodeName, ip: p.status?.podIP, labels: p.metadata.labels ?? {}, ready: isReady(p) })),
        services: informers.services.list().map((s) => ({ namespace: s.metadata.namespace, name: s.metadata.name, type: s.spec.type ?? 'ClusterIP', clusterIP: s.spec.clusterIP, selector: s.spec.selector, ports: (s.spec.ports ?? []).map((p) => ({ name: p.name, port: p.port, protocol: p.protocol ?? 'TCP', targetPort: p.targetPort, nodePort: p.nodePort })) })),
        // Endpoints as edges: service -> ready address (ip:port), with its counter.
        edges: informers.endpoints.list().flatMap((e) =>
          (e.subsets ?? []).flatMap((ss) => (ss.addresses ?? []).flatMap((a) => (ss.ports ?? []).map((p) => ({ service: `${e.metadata.namespace}/${e.metadata.name}`, ip: a.ip, port: p.port, pod: a.targetRef?.name, count: counts[`${a.ip}:${p.port}`] ?? 0 })))),
        ),
      };
    }
    if (req.method === 'POST' && url.pathname === '/api/trace') {
      const b = await readBody(req);
      const { trace } = await import('../trace/trace.js'); // loaded with the first trace: the dashboard stays small until then
      return trace({ lab: name, plan: state.plan, api: apiConnection, client, from: b.from ?? '', to: b.to ?? '', namespace: b.namespace ?? 'default', proto: b.proto as 'tcp' | 'udp' | undefined });
    }
    if (req.method === 'POST' && url.pathname === '/api/fault') {
      const b = await readBody(req);
      const kind = b.kind as (typeof faults)[number];
      if (!faults.includes(kind)) throw Object.assign(new Error(`unknown fault "${b.kind}" (one of ${faults.join(', ')})`), { code: 400 });
      if (!b.target) throw Object.assign(new Error(`fault ${kind} needs a target`), { code: 400 });
      if (kind === 'deletePod') {
        await client.delete(types.pods, b.target ?? '', b.namespace ?? 'default');
        return { done: `deleted pod ${b.target}` };
      }
      const { faultStep } = await import('../scenario/steps/faults.js');
      // A fault that cannot apply to its target (no readiness probe, no such pod) is the asker's error.
      return faultStep({ ...ctx, namespace: b.namespace ?? 'default' }, { [kind]: b.target }).catch((e: Error) => {
        throw Object.assign(new Error(e.message), { code: 400 });
      });
    }
    throw Object.assign(new Error(`no such API ${url.pathname}`), { code: 404 });
  };

  const httpServer = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const file = files[url.pathname];
    if (file && req.method === 'GET') {
      fs.readFile(file[0], (err, data) => {
        res.writeHead(err ? 500 : 200, { 'content-type': err ? 'text/plain' : file[1] });
        res.end(err ? err.message : data);
      });
      return;
    }
    api(req, url).then(
      (body) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      },
      (e: Error & { code?: number }) => {
        // Bad input (an unknown place or service) is the asker's error, not the dashboard's.
        res.writeHead(typeof e.code === 'number' ? e.code : e instanceof UserError ? 400 : 500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: e.message }));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(port, '127.0.0.1', resolve);
  });
  const { port: bound } = httpServer.address() as { port: number };
  return {
    url: `http://127.0.0.1:${bound}/`,
    async close() {
      for (const i of Object.values(informers)) (i as Informer<KubeObject>).stop();
      httpServer.closeAllConnections();
      await new Promise((r) => httpServer.close(r));
      client.close();
    },
  };
}
