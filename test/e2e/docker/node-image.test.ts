// The Docker runtime's node image: built offline from this host's packages and project, it must run
// node (the project's modules), iptables in nf_tables mode, nft and curl. The image is left for other tests.
import anyTest, { type TestFn } from 'ava';
import type Dockerode from 'dockerode';
import { PassThrough } from 'node:stream';
import { catalogueNames } from '../../../src/agent/kubelet/catalogue.js';
import { home } from '../../../src/lab/state.js';
import { connect, engineAddress, reachable } from '../../../src/runtime/docker/engine.js';
import { podImageRef } from '../../../src/agent/kubelet/cri/pod-image-ref.js';
import { ensureImage } from '../../../src/runtime/docker/node-image.js';
import { e2e, inCI } from '../../helpers/root.js';

const docker = await connect();
const engineUp = await reachable(docker);
const rootTest = e2e(anyTest as TestFn);
if (!engineUp && !inCI) console.log(`skipping the Docker image tests: no Docker engine answers at ${engineAddress()}`);
const skipped = rootTest !== anyTest || (!engineUp && !inCI);
const test = skipped ? anyTest.skip : anyTest.serial;

const containers: Dockerode.Container[] = [];
let image = '';

if (!skipped) {
  anyTest.before(async (t) => {
    if (!engineUp) throw new Error(`CI=true and no Docker engine answers at ${engineAddress()}`);
    image = await ensureImage(docker, (line) => t.log(line));
  });
  anyTest.after.always(async () => {
    await Promise.all(containers.map((c) => c.remove({ force: true }).catch(() => undefined)));
  });
}

/** Runs a script in a fresh container of the image, without network, with NET_ADMIN (what a node has). */
async function run(script: string): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const container = await docker.createContainer({
    Image: image,
    name: `svclab-imagetest-${process.pid}-${containers.length}`,
    Cmd: ['sh', '-c', script],
    Labels: { 'svclab.test': 'images' },
    HostConfig: { NetworkMode: 'none', CapAdd: ['NET_ADMIN', 'SYS_ADMIN'] },
  });
  containers.push(container);
  const stream = await container.attach({ stream: true, stdout: true, stderr: true });
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  out.on('data', (d: Buffer) => chunks.stdout.push(d));
  err.on('data', (d: Buffer) => chunks.stderr.push(d));
  docker.modem.demuxStream(stream, out, err);
  const ended = new Promise((resolve) => stream.on('end', resolve));
  await container.start();
  const { StatusCode } = (await container.wait()) as { StatusCode: number };
  await ended;
  return { exitCode: StatusCode, stdout: Buffer.concat(chunks.stdout).toString(), stderr: Buffer.concat(chunks.stderr).toString() };
}

test('the node image is labelled and every catalogue image is a tag of it', async (t) => {
  const info = await docker.getImage(image).inspect();
  t.is(info.Config.Labels?.['svclab.image'], 'node');
  for (const name of catalogueNames()) t.is((await docker.getImage(podImageRef(name)).inspect()).Id, info.Id, name);
});

test("node runs the project's modules and its dependencies from the same path as on the host", async (t) => {
  const r = await run(
    `cd ${home} && node --input-type=module -e '
      const kubelet = await import("${home}/dist/src/agent/kubelet/catalogue.js");
      const deps = await Promise.all(["dockerode", "ws", "yaml", "dns-packet"].map((m) => import(m).then(() => m)));
      console.log(JSON.stringify({ version: process.version, resolved: kubelet.resolveImage("lab/hello").name, deps }));'`,
  );
  t.is(r.exitCode, 0, r.stderr);
  t.deepEqual(JSON.parse(r.stdout), { version: process.version, resolved: 'lab/hello', deps: ['dockerode', 'ws', 'yaml', 'dns-packet'] });
});

test('iptables is the nf_tables variant and iptables-restore rules land in the kernel as nft sees them', async (t) => {
  const r = await run(`
    iptables -V
    printf '*filter\\n:SVCLAB-TEST - [0:0]\\n-A INPUT -p tcp --dport 9 -j SVCLAB-TEST\\n-A SVCLAB-TEST -j DROP\\nCOMMIT\\n' | iptables-restore --noflush
    echo '--- save'; iptables-save -t filter
    echo '--- nft'; nft list chain ip filter SVCLAB-TEST`);
  t.is(r.exitCode, 0, r.stderr);
  const [version, save, nft] = r.stdout.split(/^--- \w+\n/m);
  t.regex(version!, /^iptables v[\d.]+ \(nf_tables\)/);
  t.regex(save!, /^-A INPUT -p tcp -m tcp --dport 9 -j SVCLAB-TEST$/m);
  t.regex(nft!, /chain SVCLAB-TEST \{[^}]*counter packets 0 bytes 0 drop/);
});

test('nft -f loads a ruleset', async (t) => {
  const r = await run(`
    printf 'table ip svclab_test {\\n  chain c {\\n    type nat hook prerouting priority dstnat;\\n    ip daddr 10.96.0.10 tcp dport 53 dnat to 10.244.1.5\\n  }\\n}\\n' > /tmp/rules.nft
    nft -f /tmp/rules.nft && nft list table ip svclab_test`);
  t.is(r.exitCode, 0, r.stderr);
  t.regex(r.stdout, /ip daddr 10\.96\.0\.10 tcp dport 53 dnat to 10\.244\.1\.5/);
});

test('curl fetches from a node HTTP server in the container', async (t) => {
  const r = await run(`
    ip link set lo up
    node -e 'require("http").createServer((q, s) => s.end("hello from " + q.url)).listen(8080, "127.0.0.1")' &
    for i in $(seq 50); do curl -fsS http://127.0.0.1:8080/svclab && break; sleep 0.1; done`);
  t.is(r.exitCode, 0, r.stderr);
  t.is(r.stdout, 'hello from /svclab');
});

test('the tools a node and its pods use are all there', async (t) => {
  const tools = ['sh', 'bash', 'ip', 'nft', 'conntrack', 'ipset', 'ipvsadm', 'nsenter', 'unshare', 'mount', 'script', 'ps', 'hostname', 'curl', 'dig', 'nslookup', 'nc', 'ping', 'busybox', 'telnet', 'nginx', 'socat'];
  const r = await run(`for t in ${tools.join(' ')}; do command -v $t >/dev/null || echo "missing $t"; done; dig -v 2>&1; nc -h 2>&1 | head -1; ls -ld /tmp; nginx -v 2>&1`);
  t.is(r.exitCode, 0, r.stderr);
  t.notRegex(r.stdout, /missing/);
  t.regex(r.stdout, /^DiG 9\./m);
  t.regex(r.stdout, /^OpenBSD netcat/m);
  t.regex(r.stdout, /^drwxrwxrwt /m);
  t.regex(r.stdout, /^nginx version: nginx\/1\.22\./m, 'Debian\'s nginx, for the ingress controller pods');
});
