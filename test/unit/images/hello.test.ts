import test from 'ava';
import { freePort, hostIP, logged, start } from './run.js';

test('hello answers with its pod name, pod IP and port', async (t) => {
  const hello = await start(t, 'lab/hello', { HOSTNAME: 'web-7d4b9c-x2x9z' });
  const res = await fetch(`${hello.url}/`);
  t.is(res.status, 200);
  t.is(await res.text(), `Hello from web-7d4b9c-x2x9z at ${hostIP()}:${hello.port}\n`);
  t.is(await (await fetch(`${hello.url}/any/path`)).text(), `Hello from web-7d4b9c-x2x9z at ${hostIP()}:${hello.port}\n`);
});

test('hello /json adds the client address it saw', async (t) => {
  const hello = await start(t, 'lab/hello', { HOSTNAME: 'web-1' });
  const res = await fetch(`${hello.url}/json`);
  t.is(res.headers.get('content-type'), 'application/json');
  const body = (await res.json()) as Record<string, unknown>;
  t.like(body, { pod: 'web-1', ip: hostIP(), port: hello.port });
  t.regex(body.client as string, /^127\.0\.0\.1:\d+$/);
});

test('hello /healthz is 200 ok', async (t) => {
  const hello = await start(t, 'lab/hello');
  const res = await fetch(`${hello.url}/healthz`);
  t.is(res.status, 200);
  t.is(await res.text(), 'ok\n');
});

test('hello /call returns what another service answered, status included', async (t) => {
  const [a, b] = await Promise.all([start(t, 'lab/hello', { HOSTNAME: 'a' }), start(t, 'lab/hello', { HOSTNAME: 'b' })]);
  const call = (url: string): Promise<Response> => fetch(`${a.url}/call?url=${encodeURIComponent(url)}`);
  t.is(await (await call(`${b.url}/`)).text(), `Hello from b at ${hostIP()}:${b.port}\n`);
  const json = await call(`${b.url}/json`);
  t.is(json.headers.get('content-type'), 'application/json');
  t.like(await json.json(), { pod: 'b' });
  // Port 19 is one fetch() refuses; the seed's ms-bye-svc listens on it.
  const refused = await call('http://127.0.0.1:19/');
  t.is(refused.status, 502);
  t.is(await refused.text(), 'call http://127.0.0.1:19/ failed: connect ECONNREFUSED 127.0.0.1:19\n');
  const closed = await freePort();
  t.is((await call(`http://127.0.0.1:${closed}/`)).status, 502);
  const bad = await call('ftp://example.com/');
  t.is(bad.status, 400);
  t.is(await bad.text(), 'usage: /call?url=http://<service>:<port>/<path>\n');
});

test('hello logs one line per request with the client address', async (t) => {
  const hello = await start(t, 'lab/hello', { HOSTNAME: 'web-1' });
  await (await fetch(`${hello.url}/json`)).text();
  await logged(t, hello, `hello: web-1 listening on ${hostIP()}:${hello.port}\n`);
  await logged(t, hello, /\n127\.0\.0\.1:\d+ GET \/json 200\n/);
});
