// The `nginx` image is Debian's nginx, checked through the real /usr/bin/kubectl as a tutorial
// types it: the Welcome page and Server header through a Service, the access log in
// `kubectl logs`, exec into the container, PORT, the graceful stop on SIGQUIT, and nothing
// written to the host's nginx files. Shared by the netns (kubelet/nginx-image.test.ts) and
// docker (docker/nginx-image.test.ts) runtimes' files: each registers them against its own lab.
import type { TestFn } from 'ava';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { types } from '../../../src/api/resources.js';
import type { Pod } from '../../../src/api/types.js';
import type { ApiClient } from '../../../src/client/client.js';
import { hostSnapshot } from '../../helpers/host.js';
import { clientFor, kubectlFor, lab, waitFor } from '../../helpers/lab.js';

/** The host's own nginx files: the pods must leave them as they are. */
function hostNginxFiles(): string[] {
  const out: string[] = [];
  for (const dir of ['/var/lib/nginx', '/var/log/nginx', '/etc/nginx', '/etc/nginx/conf.d']) {
    for (const f of fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []) {
      const st = fs.lstatSync(`${dir}/${f}`);
      out.push(`${dir}/${f} ${st.mode} ${st.size} ${st.mtimeMs}`);
    }
  }
  out.push(`/run/nginx.pid ${fs.existsSync('/run/nginx.pid')}`);
  return out;
}

export function nginxImageTests(it: TestFn, name: string, upArgs: string[]): void {
  let client: ApiClient;
  let before: string[];
  let hostFiles: string[];
  const version = /nginx\/(\S+)/.exec(spawnSync('/usr/sbin/nginx', ['-v'], { encoding: 'utf8' }).stderr)![1]!;
  const welcome = fs.readFileSync('/usr/share/nginx/html/index.html', 'utf8');

  const { kubectl, ok } = kubectlFor(name);

  const webPods = async (): Promise<Pod[]> => (await client.list<Pod>(types.pods, 'default', { labelSelector: 'app=web' })).items;

  it.before(async (t) => {
    before = await hostSnapshot(name);
    hostFiles = hostNginxFiles();
    const r = await lab(['up', '--name', name, ...upArgs]);
    t.is(r.exitCode, 0, String(r.all));
    client = clientFor(name);
    t.is((await ok('create', 'deployment', 'web', '--image=nginx', '--replicas=2')).trim(), 'deployment.apps/web created');
    t.is((await ok('expose', 'deployment', 'web', '--port=80')).trim(), 'service/web exposed');
    t.is((await ok('run', 'client', '--image=curlimages/curl', '--command', '--', 'sleep', 'infinity')).trim(), 'pod/client created');
    await ok('wait', '--for=condition=available', 'deployment/web', '--timeout=60s');
    await ok('wait', '--for=condition=ready', 'pod/client', '--timeout=60s');
  });

  it.after.always(async (t) => {
    client?.close();
    await lab(['down', '--name', name]);
    t.deepEqual(await hostSnapshot(name), before);
    t.deepEqual(hostNginxFiles(), hostFiles, "the host's /etc/nginx, /var/lib/nginx, /var/log/nginx and /run/nginx.pid are untouched");
  });

  it.serial("curl through the Service gets Debian's Welcome page with nginx's Server header; kubectl logs shows the access log line", async (t) => {
    const res = await ok('exec', 'client', '--', 'curl', '-si', '--max-time', '5', '-A', 'tutorial/1.0', 'http://web/');
    const [head, body] = res.split('\r\n\r\n');
    t.regex(head!, /^HTTP\/1\.1 200 OK\r\n/);
    t.regex(head!, new RegExp(`\\r\\nServer: nginx/${version.replaceAll('.', '\\.')}\\r\\n`));
    t.regex(head!, /\r\nContent-Type: text\/html\r\n/);
    t.is(body, welcome.trimEnd(), "the page, byte for byte (kubectl's output loses its last newline)");
    t.regex(welcome, /<title>Welcome to nginx!<\/title>/);
    const clientIP = (await client.get<Pod>(types.pods, 'client', 'default')).status!.podIP!;
    const line = new RegExp(`^${clientIP.replaceAll('.', '\\.')} - - \\[\\d\\d/[A-Z][a-z]{2}/\\d{4}:\\d\\d:\\d\\d:\\d\\d \\+0000\\] "GET / HTTP/1\\.1" 200 ${Buffer.byteLength(welcome)} "-" "tutorial/1\\.0" "-"$`, 'm');
    const logs = await waitFor('the request in one web pod\'s log', async () => {
      const all = await Promise.all((await webPods()).map((p) => ok('logs', p.metadata.name!)));
      return all.find((l) => line.test(l));
    }, 10_000, 300);
    t.regex(logs, /^\/docker-entrypoint\.sh: Configuration complete; ready for start up$/m);
    t.regex(logs, new RegExp(`\\[notice\\] \\d+#\\d+: nginx/${version.replaceAll('.', '\\.')}$`, 'm'));
    // A missing path: nginx's own 404 page.
    const missing = await ok('exec', 'client', '--', 'curl', '-s', '--max-time', '5', '-w', '%{http_code}', 'http://web/missing');
    t.regex(missing, new RegExp(`<hr><center>nginx/${version.replaceAll('.', '\\.')}</center>[\\s\\S]*404$`));
  });

  it.serial('kubectl exec runs the image\'s nginx against the container\'s own configuration: -v, the config files, -s reload', async (t) => {
    const pod = (await webPods())[0]!.metadata.name!;
    const v = await kubectl('exec', pod, '--', 'nginx', '-v');
    t.is(v.code, 0, v.err);
    t.is(v.err.trim(), `nginx version: nginx/${version}`);
    t.regex(await ok('exec', pod, '--', 'cat', '/etc/nginx/conf.d/default.conf'), /^\s+listen\s+80;$/m);
    t.is(await ok('exec', pod, '--', 'printenv', 'NGINX_VERSION'), version);
    t.is((await kubectl('exec', pod, '--', 'nginx', '-s', 'reload')).code, 0);
    await waitFor('the reload in the log', async () => /\[notice\] \d+#\d+: signal 1 \(SIGHUP\) received/.test(await ok('logs', pod)), 10_000, 300);
    t.regex(await ok('exec', 'client', '--', 'curl', '-s', '--max-time', '5', 'http://web/'), /<title>Welcome to nginx!<\/title>/);
  });

  it.serial('PORT moves the server to that port (seed 003\'s kompose deployment)', async (t) => {
    await ok('run', 'on8000', '--image=nginx', '--env=PORT=8000');
    await ok('wait', '--for=condition=ready', 'pod/on8000', '--timeout=60s');
    const ip = (await client.get<Pod>(types.pods, 'on8000', 'default')).status!.podIP!;
    t.regex(await ok('exec', 'client', '--', 'curl', '-s', '--max-time', '5', `http://${ip}:8000/`), /<title>Welcome to nginx!<\/title>/);
    const r = await kubectl('exec', 'client', '--', 'curl', '-s', '--max-time', '5', `http://${ip}:80/`);
    t.is(r.code, 7, 'nothing listens on 80');
  });

  it.serial('a restart stops nginx with SIGQUIT, its graceful stop: it exits 0, and the new container binds the port again', async (t) => {
    await ok('run', 'restarted', '--image=nginx', '--overrides', JSON.stringify({ spec: { containers: [{ name: 'restarted', image: 'nginx', livenessProbe: { tcpSocket: { port: 9999 }, initialDelaySeconds: 1, periodSeconds: 1, failureThreshold: 1 } }] } }));
    const p = await waitFor('a liveness restart, Ready again', async () => {
      const pod = await client.get<Pod>(types.pods, 'restarted', 'default');
      const s = pod.status?.containerStatuses?.[0];
      return (s?.restartCount ?? 0) >= 1 && s?.state?.running ? pod : undefined;
    }, 60_000, 300);
    t.like(p.status!.containerStatuses![0]!.lastState!.terminated!, { exitCode: 0, reason: 'Completed' });
    const previous = await ok('logs', 'restarted', '--previous');
    t.regex(previous, /\[notice\] \d+#\d+: signal 3 \(SIGQUIT\) received/);
    t.regex(previous, /\[notice\] \d+#\d+: exit$/m);
    const ip = p.status!.podIP!;
    const page = await waitFor('the restarted container serving', async () => {
      const r = await kubectl('exec', 'client', '--', 'curl', '-s', '--max-time', '3', `http://${ip}/`);
      return r.code === 0 ? r.out : undefined;
    }, 20_000, 300);
    t.is(page, welcome.trimEnd());
  });
}
