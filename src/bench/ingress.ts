// `lab bench ingress`: HTTP requests per second and latency percentiles, measured with wrk
// (Debian's), through the ingress (nginx in the controller pod, then a backend pod) and
// straight to the backend Service's ClusterIP, in one lab and one run. wrk runs in a toolbox
// pod for both in-cluster paths (the controller Service's ClusterIP with the Ingress's Host,
// and the app's ClusterIP), and on the outside host for the load-balancer path users take.
import { isReady } from '../api/conditions.js';
import { types } from '../api/resources.js';
import type { KubeObject, Pod, Service } from '../api/types.js';
import { ApiClient } from '../client/client.js';
import { exec } from '../client/exec.js';
import { type Command, parse } from '../cli/args.js';
import { INGRESS_NAMESPACE, INGRESS_SERVICE } from '../lab/addons.js';
import { hostArgv } from '../lab/hosts.js';
import { down, up } from '../lab/lifecycle.js';
import { home } from '../lab/state.js';
import { adminConnection } from '../lab/credentials.js';
import { table } from '../lab/status.js';
import { run } from '../net/run.js';
import { waitFor } from '../util/poll.js';
import { positive, writeResults } from './pods.js';

const HOST = 'bench.example.com';

export interface WrkResult {
  requestsPerSecond: number;
  /** Latency percentiles in ms, from wrk --latency. */
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
}

function ms(value: string, unit: string): number {
  return Number(value) * ({ us: 0.001, ms: 1, s: 1000 } as Record<string, number>)[unit]!;
}

/** wrk's text report -> numbers (pure). */
export function parseWrk(text: string): WrkResult {
  const pct = (p: string): number => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(text);
    if (!m) throw new Error(`no ${p}% latency in wrk's report:\n${text}`);
    return Math.round(ms(m[1]!, m[2]!) * 1000) / 1000;
  };
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(text);
  const total = /^\s*(\d+) requests in/m.exec(text);
  if (!rps || !total) throw new Error(`unexpected wrk report:\n${text}`);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text)?.slice(1).reduce((a, b) => a + Number(b), 0) ?? 0;
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0);
  return { requestsPerSecond: Math.round(Number(rps[1])), p50Ms: pct('50'), p90Ms: pct('90'), p99Ms: pct('99'), requests: Number(total[1]), errors: errors + non2xx };
}

interface IngressBenchResult {
  seconds: number;
  connections: number;
  backends: number;
  paths: Record<string, WrkResult & { target: string }>;
}

function app(replicas: number): KubeObject[] {
  const labels = { app: 'bench-web' };
  return [
    { metadata: { name: 'bench-web', labels }, spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'lab/hello' }] } } } },
    { metadata: { name: 'bench-web' }, spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] } },
    { metadata: { name: 'bench-web' }, spec: { rules: [{ host: HOST, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'bench-web', port: { number: 80 } } } }] } }] } },
  ];
}

async function runBenchIngress(o: { seconds: number; connections: number; backends: number; out: string; name?: string }): Promise<IngressBenchResult> {
  const name = o.name ?? 'benchingress';
  const state = await up({ name, nodes: 2, ingress: true });
  const client = new ApiClient({ ...adminConnection(state), timeoutMs: 60_000 });
  try {
    const [deployment, service, ingress] = app(o.backends);
    await client.create(types.deployments, deployment!, 'default');
    await client.create(types.services, service!, 'default');
    await client.create(types.ingresses, ingress!, 'default');
    await client.create(types.pods, { metadata: { name: 'load' }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'main', image: 'lab/toolbox' }] } } as Pod, 'default');
    await waitFor('the backends and the load pod Ready', async () => {
      const pods = (await client.list<Pod>(types.pods, 'default')).items;
      return pods.length === o.backends + 1 && pods.every(isReady) ? true : undefined;
    }, 120_000, 200);
    const web = await client.get<Service>(types.services, 'bench-web', 'default');
    const controller = await client.get<Service>(types.services, INGRESS_SERVICE, INGRESS_NAMESPACE);
    const lb = controller.status?.loadBalancer?.ingress?.[0]?.ip;
    if (!lb) throw new Error('the ingress controller Service has no load-balancer address');
    const inPod = (command: string[]) => exec({ ...adminConnection(state), namespace: 'default', pod: 'load', command });
    await waitFor('the ingress serving the backends', async () => ((await inPod(['curl', '-sf', '--max-time', '2', '-H', `Host: ${HOST}`, `http://${controller.spec.clusterIP}/`])).stdout.startsWith('Hello from bench-web-') ? true : undefined), 60_000, 200);

    const wrk = (url: string, seconds: number): string[] => ['wrk', '-t1', `-c${o.connections}`, `-d${seconds}s`, '--latency', '-H', `Host: ${HOST}`, url];
    const measure = async (label: string, url: string, where: 'pod' | 'outside'): Promise<WrkResult & { target: string }> => {
      const go = async (seconds: number): Promise<string> => {
        if (where === 'pod') {
          const r = await inPod(wrk(url, seconds));
          if (r.exitCode !== 0) throw new Error(`wrk failed in the pod: ${r.stderr || r.error}`);
          return r.stdout;
        }
        const [cmd, ...args] = hostArgv(name, 'outside', wrk(url, seconds));
        const r = await run(cmd!, args, { timeoutMs: (seconds + 30) * 1000 });
        if (r.exitCode !== 0) throw new Error(`wrk failed on the outside host: ${r.stderr}`);
        return r.stdout;
      };
      await go(1); // warm-up: connections, upstream keep-alive, JIT
      const result = { target: url, ...parseWrk(await go(o.seconds)) };
      console.log(`  ${label}: ${result.requestsPerSecond} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms (${result.errors} errors)`);
      return result;
    };
    console.log(`wrk -t1 -c${o.connections} -d${o.seconds}s against ${o.backends} lab/hello backends:`);
    const paths = {
      serviceClusterIP: await measure('Service ClusterIP directly (from a pod)', `http://${web.spec.clusterIP}/`, 'pod'),
      ingressClusterIP: await measure('through the ingress (controller ClusterIP, from a pod)', `http://${controller.spec.clusterIP}/`, 'pod'),
      ingressLoadBalancer: await measure('through the ingress (load-balancer address, from outside)', `http://${lb}/`, 'outside'),
    };
    const result = { seconds: o.seconds, connections: o.connections, backends: o.backends, paths };
    writeResults(o.out, 'ingress', result);
    console.log(`\n${table([['PATH', 'REQ/S', 'P50 MS', 'P99 MS', 'ERRORS'], ...Object.entries(paths).map(([k, r]) => [k, String(r.requestsPerSecond), String(r.p50Ms), String(r.p99Ms), String(r.errors)])])}\nwritten to ${o.out}`);
    return result;
  } finally {
    client.close();
    await down(name);
  }
}

export const benchIngress: Command = {
  summary: 'HTTP req/s and p50/p99 through the ingress (nginx) vs the Service ClusterIP directly, with wrk',
  usage: '[--seconds 10] [--connections 16] [--backends 2] [--out bench-results/ingress.json]',
  async run(argv) {
    const { values } = parse('bench ingress', argv, {
      seconds: { type: 'string', default: '10' },
      connections: { type: 'string', default: '16' },
      backends: { type: 'string', default: '2' },
      out: { type: 'string', default: `${home}/bench-results/ingress.json` },
    });
    await runBenchIngress({ seconds: positive('bench ingress', 'seconds', values.seconds), connections: positive('bench ingress', 'connections', values.connections), backends: positive('bench ingress', 'backends', values.backends), out: values.out });
  },
};
