// The streaming checks of a tutorial typed into the real /usr/bin/kubectl, shared by the
// netns (streams.test.ts) and docker (streams-docker.test.ts) runtimes' test files: each
// registers them against its own lab.
import type { ExecutionContext, TestFn } from 'ava';
import { execa, type ResultPromise } from 'execa';
import net from 'node:net';
import { quote } from '../../../src/agent/kubelet/cri/exec.js';
import { types } from '../../../src/api/resources.js';
import type { Pod, Service } from '../../../src/api/types.js';
import type { ApiClient } from '../../../src/client/client.js';
import { kubectlArgv } from '../../../src/lab/kubeconfig.js';
import { hostSnapshot } from '../../helpers/host.js';
import { clientFor, kubectlFor, lab, waitFor } from '../../helpers/lab.js';

export function streamingTests(it: TestFn, name: string, upArgs: string[], o: { all: boolean }): void {
  let client: ApiClient;
  let before: string[];
  const running: ResultPromise[] = [];

  const { kubectl, ok } = kubectlFor(name);

  /** A long-running kubectl (port-forward, proxy, attach), once it printed what `ready` matches. */
  async function start(args: string[], ready: RegExp, env: Record<string, string> = {}): Promise<{ proc: ResultPromise; match: RegExpExecArray; output: () => string }> {
    const [cmd, ...rest] = kubectlArgv(name, args);
    const proc = execa(cmd!, rest, { reject: false, all: true, env, timeout: 90_000 });
    running.push(proc);
    let all = '';
    proc.all!.on('data', (d: Buffer) => (all += d.toString()));
    const match = await waitFor(`kubectl ${args.join(' ')} to print ${ready}`, () => ready.exec(all) ?? undefined, 15_000);
    return { proc, match, output: () => all };
  }

  async function page(url: string): Promise<{ status: number; body: string }> {
    const r = await fetch(url, { signal: AbortSignal.timeout(10_000), redirect: 'manual' });
    return { status: r.status, body: await r.text() };
  }

  async function webPods(): Promise<Pod[]> {
    return (await client.list<Pod>(types.pods, 'default', { labelSelector: 'app=web' })).items;
  }

  // Checks above the runtime (identical for both) run once, in the netns file.
  const extra = (title: string, fn: (t: ExecutionContext) => Promise<void>): void => void (o.all && it.serial(title, fn));

  it.before(async (t) => {
    before = await hostSnapshot(name);
    const r = await lab(['up', '--name', name, ...upArgs]);
    t.is(r.exitCode, 0, String(r.all));
    client = clientFor(name);
    t.is((await ok('create', 'deployment', 'web', '--image=nginx', '--replicas=2')).trim(), 'deployment.apps/web created');
    t.is((await ok('expose', 'deployment', 'web', '--port=80')).trim(), 'service/web exposed');
    await ok('wait', '--for=condition=available', 'deployment/web', '--timeout=60s');
  });

  it.after.always(async (t) => {
    for (const p of running) p.kill('SIGKILL');
    client?.close();
    await lab(['down', '--name', name]);
    t.deepEqual(await hostSnapshot(name), before);
  });

  it.serial('port-forward to svc/, deploy/ and a pod fetches the nginx page through the tunnel, many connections at once', async (t) => {
    const pod = (await webPods())[0]!.metadata.name!;
    for (const target of ['svc/web', 'deployment/web', `pod/${pod}`]) {
      const pf = await start(['port-forward', target, ':80'], /Forwarding from 127\.0\.0\.1:(\d+) -> 80/);
      const url = `http://127.0.0.1:${pf.match[1]}/`;
      const first = await page(url);
      t.is(first.status, 200, target);
      t.true(first.body.includes('<title>Welcome to nginx!</title>'), first.body);
      // 30 connections in parallel, each its own stream pair.
      const all = await Promise.all(Array.from({ length: 30 }, () => page(url)));
      t.deepEqual(new Set(all.map((r) => r.status)), new Set([200]), target);
      t.true(pf.output().includes(`Handling connection for ${pf.match[1]}`));
      pf.proc.kill('SIGINT');
      const end = await pf.proc;
      t.false(end.timedOut, 'port-forward stops on ^C');
    }
  });

  it.serial('port-forward carries a 20 MB stream whole, and its end closes the local connection', async (t) => {
    await ok('run', 'bulk', '--image=busybox', '--restart=Never', '--', 'sh', '-c', 'yes 0123456789abcdefghijklmnopqrstu | head -c 20000000 | nc -l -p 9000');
    await ok('wait', '--for=condition=ready', 'pod/bulk', '--timeout=60s');
    // Ready comes before nc listens, and kubectl port-forward exits on a refused connection: wait for the socket.
    await waitFor('nc listening in pod bulk', async () => (await kubectl('exec', 'bulk', '--', 'netstat', '-ltn')).out.includes(':9000 '), 15_000);
    const pf = await start(['port-forward', 'pod/bulk', ':9000'], /Forwarding from 127\.0\.0\.1:(\d+) -> 9000/);
    const received = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const sock = net.connect(Number(pf.match[1]), '127.0.0.1');
      sock.on('data', (d: Buffer) => chunks.push(d));
      sock.on('end', () => resolve(Buffer.concat(chunks)));
      sock.on('error', reject);
    });
    t.is(received.length, 20_000_000);
    const line = Buffer.from('0123456789abcdefghijklmnopqrstu\n');
    t.true(received.every((b, i) => b === line[i % line.length]), 'every byte in order');
    pf.proc.kill('SIGINT');
    await pf.proc;
    await ok('delete', 'pod', 'bulk', '--grace-period=1');
  });

  extra('port-forward over the plain SPDY upgrade (kubectl without WebSocket tunnelling) carries the same page', async (t) => {
    const pf = await start(['port-forward', 'svc/web', ':80', '-v=6'], /Forwarding from 127\.0\.0\.1:(\d+) -> 80/, { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' });
    const r = await page(`http://127.0.0.1:${pf.match[1]}/`);
    t.true(r.body.includes('Welcome to nginx!'));
    t.regex(pf.output(), /POST .*\/portforward 101 Switching Protocols/);
    pf.proc.kill('SIGINT');
    await pf.proc;
  });

  it.serial('port-forward to a port nothing listens on: the connection closes, kubectl prints the error stream and exits', async (t) => {
    const pod = (await webPods())[0]!;
    const pf = await start(['port-forward', `pod/${pod.metadata.name}`, ':81'], /Forwarding from 127\.0\.0\.1:(\d+) -> 81/);
    await t.throwsAsync(page(`http://127.0.0.1:${pf.match[1]}/`));
    const end = await pf.proc;
    t.false(end.timedOut, 'kubectl did not hang');
    t.is(end.exitCode, 1);
    const out = String(end.all).replaceAll('\\"', '"'); // klog escapes the quotes
    t.regex(out, /an error occurred forwarding \d+ -> 81: error forwarding port 81 to pod \S+, uid : failed to execute portforward in network namespace "\/var\/run\/netns\/[^"]+": failed to connect to localhost:81 inside namespace "[^"]+", IPv4: dial tcp4 127\.0\.0\.1:81: connect: connection refused/);
    t.true(out.includes('error: lost connection to pod'), out);
  });

  it.serial('kubectl proxy reaches the ClusterIP service and a pod through their proxy subresource', async (t) => {
    const px = await start(['proxy', '--port=0'], /Starting to serve on 127\.0\.0\.1:(\d+)/);
    const base = `http://127.0.0.1:${px.match[1]}/api/v1/namespaces/default`;
    for (const id of ['web', 'web:80', 'http:web:80']) {
      const r = await page(`${base}/services/${id}/proxy/`);
      t.is(r.status, 200, id);
      t.true(r.body.includes('<title>Welcome to nginx!</title>'), id);
    }
    // As upstream: the bare path redirects to the slash form; an unknown port is 503 with its reason.
    const bare = await fetch(`${base}/services/web:80/proxy`, { redirect: 'manual' });
    t.is(bare.status, 301);
    t.is(bare.headers.get('location'), '/api/v1/namespaces/default/services/web:80/proxy/');
    const noPort = await page(`${base}/services/web:81/proxy/`);
    t.is(noPort.status, 503);
    t.is(JSON.parse(noPort.body).message, 'no service port 81 found for service "web"');
    const pod = (await webPods())[0]!;
    const viaPod = await page(`${base}/pods/${pod.metadata.name}/proxy/`);
    t.true(viaPod.body.includes('Welcome to nginx!'));
    const closed = await page(`${base}/pods/${pod.metadata.name}:81/proxy/`);
    t.is(closed.status, 503);
    t.is(JSON.parse(closed.body).message, `error trying to reach pod: dial tcp ${pod.status!.podIP}:81: connect: connection refused`);
    px.proc.kill('SIGINT');
    await px.proc;
  });

  it.serial('kubectl run -i --rm ... -- nslookup web prints the service address, then the pod is deleted', async (t) => {
    const svc = await client.get<Service>(types.services, 'web', 'default');
    const r = await kubectl('run', '-i', '--rm', '--restart=Never', 'dnstest', '--image=busybox', '--', 'nslookup', 'web');
    // busybox's nslookup also tries the other search domains and exits 1 on their NXDOMAIN (as on any
    // cluster since busybox 1.28): kubectl then reports the pod's error after its output.
    t.true(r.code === 0 || (r.code === 1 && r.err.includes('pod default/dnstest terminated (Error)')), r.err);
    t.regex(r.out, /Name:\s+web\.default\.svc\.cluster\.local\s+Address:\s+(\S+)/);
    t.is(/Name:\s+web\.default\.svc\.cluster\.local\s+Address:\s+(\S+)/.exec(r.out)![1], svc.spec.clusterIP!);
    t.true(r.out.includes('pod "dnstest" deleted'), r.out);
    await waitFor('dnstest gone', async () => !(await client.list<Pod>(types.pods, 'default')).items.some((p) => p.metadata.name === 'dnstest'));
  });

  it.serial('kubectl run -it --rm ... -- sh: a shell on a terminal, typed into, then the pod is deleted', async (t) => {
    const argv = kubectlArgv(name, ['run', '-it', '--rm', 'tmp', '--image=busybox', '--', 'sh']);
    // script(1) gives kubectl the terminal a user has.
    const proc = execa('script', ['-qfec', quote(argv), '/dev/null'], { reject: false, timeout: 60_000, stdin: 'pipe' });
    running.push(proc);
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor('the prompt hint', () => out.includes("If you don't see a command prompt"), 30_000);
    proc.stdin!.write('echo sum=$((6*7)); hostname\r');
    await waitFor('the command output', () => /sum=42\r?\n(.*\r?\n)?tmp\r?\n/.test(out), 15_000);
    proc.stdin!.write('exit\r');
    const end = await proc;
    t.false(end.timedOut);
    t.true(out.includes('pod "tmp" deleted'), out);
  });

  extra('attach: -t to a container without a terminal and attach to a completed pod give kubectl\'s errors', async (t) => {
    const pod = (await webPods())[0]!.metadata.name!;
    const a = await start(['attach', pod, '-t'], /Unable to use a TTY/);
    t.regex(a.output(), /error: Unable to use a TTY - container nginx did not allocate one/);
    a.proc.kill('SIGINT');
    await a.proc;
    await ok('run', 'done', '--image=busybox', '--restart=Never', '--', 'true');
    await waitFor('pod done Succeeded', async () => (await client.get<Pod>(types.pods, 'done', 'default')).status?.phase === 'Succeeded', 20_000).catch(async (e: Error) => {
      t.log((await kubectl('describe', 'pod', 'done')).out);
      throw e;
    });
    const r = await kubectl('attach', 'done');
    t.is(r.code, 1);
    t.is(r.err.trim(), 'error: cannot attach a container in a completed pod; current phase is Succeeded');
  });
}
