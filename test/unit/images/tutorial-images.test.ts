// The images the Kubernetes docs and tutorials use, run as the kubelet runs them.
import test from 'ava';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { busyboxApplets, resolveImage } from '../../../src/agent/kubelet/catalogue.js';
import { freePort, start } from './run.js';

test('agnhost netexec: /hostname, /echo, /clientip, /shell, and hostname over UDP', async (t) => {
  const udpPort = await freePort();
  const a = await start(t, 'registry.k8s.io/e2e-test-images/agnhost:2.39', {}, (port) => ['netexec', `--http-port=${port}`, `--udp-port=${udpPort}`]);
  t.is(await (await fetch(`${a.url}/hostname`)).text(), os.hostname());
  const echo = await fetch(`${a.url}/echo?msg=hello%20there&code=202`);
  t.is(echo.status, 202);
  t.is(await echo.text(), 'hello there');
  t.regex(await (await fetch(`${a.url}/clientip`)).text(), /^(::ffff:)?127\.0\.0\.1:\d+$/);
  t.deepEqual(await (await fetch(`${a.url}/shell?cmd=echo%20hi`)).json(), { output: 'hi\n' });
  t.regex(await (await fetch(`${a.url}/`)).text(), /^NOW: \d{4}-\d\d-\d\d /);
  const answer = await new Promise<string>((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.on('message', (m) => {
      s.close();
      resolve(m.toString());
    });
    s.on('error', reject);
    s.send('hostname', udpPort, '127.0.0.1');
  });
  t.is(answer, os.hostname());
  t.is((await fetch(`${a.url}/healthz`)).status, 200);
});

test('agnhost serve-hostname answers the hostname on --port; without a subcommand the image pauses', async (t) => {
  const a = await start(t, 'registry.k8s.io/e2e-test-images/agnhost', {}, (port) => ['serve-hostname', '--port', String(port)]);
  t.is(await (await fetch(a.url)).text(), os.hostname());
  t.deepEqual(resolveImage('k8s.gcr.io/e2e-test-images/agnhost:2.33')!.cmd, ['pause']);
});

test('hashicorp/http-echo answers -text on -listen, and /health', async (t) => {
  const e = await start(t, 'hashicorp/http-echo', {}, (port) => ['-text=hello world', `-listen=:${port}`]);
  t.is(await (await fetch(`${e.url}/any/path`)).text(), 'hello world\n');
  t.is(await (await fetch(`${e.url}/health`)).text(), '{"status":"ok"}\n');
});

test('traefik/whoami prints the hostname, the client and the request', async (t) => {
  const w = await start(t, 'traefik/whoami', {}, (port) => [`--port=${port}`]);
  const body = await (await fetch(`${w.url}/x?y=1`, { headers: { 'X-Test': 'yes' } })).text();
  t.true(body.startsWith(`Hostname: ${os.hostname()}\nIP: `), body);
  t.regex(body, /\nRemoteAddr: \S+:\d+\nGET \/x\?y=1 HTTP\/1\.1\n/);
  t.regex(body, /\nX-Test: yes\n/i);
  t.is((await (await fetch(`${w.url}/api`)).json() as { hostname: string }).hostname, os.hostname());
});

test('busybox and alpine put the busybox applets first on PATH: sh, nslookup and wget are busybox\'s', (t) => {
  const dir = busyboxApplets();
  for (const image of ['busybox', 'busybox:1.36', 'alpine:3.20']) t.true(resolveImage(image)!.env.PATH!.startsWith(`${dir}:`), image);
  for (const applet of ['sh', 'nslookup', 'wget']) t.is(fs.realpathSync(path.join(dir, applet)), fs.realpathSync('/usr/bin/busybox'));
});
