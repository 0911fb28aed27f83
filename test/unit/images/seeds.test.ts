import test from 'ava';
import { logged, start } from './run.js';

test('ms-hello answers the 42 bytes of HTML the tutorial curls through ms-hello-svc', async (t) => {
  const hello = await start(t, 'pgolard/ms-hello:v4');
  const res = await fetch(`${hello.url}/`);
  t.is(res.status, 200);
  t.is(res.headers.get('content-type'), 'text/html; charset=utf-8');
  t.is(res.headers.get('content-length'), '42');
  t.is(res.headers.get('x-powered-by'), 'Express');
  t.is(await res.text(), 'This is the hello world custom node parent');
});

test('ms-bye answers the text the tutorial curls on port 9999', async (t) => {
  const bye = await start(t, 'pgolard/ms-bye:v4');
  t.is(await (await fetch(`${bye.url}/`)).text(), 'This is the test bye with custom node parent image');
});

test('the two containers of mc-mornaft answer 29 and 31 bytes on their own ports', async (t) => {
  const [morning, afternoon] = await Promise.all([start(t, 'pgolard/multcont-morning:v3'), start(t, 'pgolard/multcont-afternoon:v3')]);
  const m = await fetch(`${morning.url}/`);
  t.is(m.headers.get('content-length'), '29');
  t.is(await m.text(), 'This is the good morning root');
  const a = await fetch(`${afternoon.url}/`);
  t.is(a.headers.get('content-length'), '31');
  t.is(await a.text(), 'This is the good afternoon root');
});

test('morning reaches its afternoon sidecar over the pod localhost', async (t) => {
  const afternoon = await start(t, 'pgolard/multcont-afternoon:v3');
  const morning = await start(t, 'pgolard/multcont-morning:v3', { AFTERNOON_PORT: String(afternoon.port) });
  t.is(await (await fetch(`${morning.url}/contactAfternoon`)).text(), 'container morning successfully contacted container afternoon');
});

test('ms-hello says hello to ms-bye through the service environment variables', async (t) => {
  const bye = await start(t, 'pgolard/ms-bye:v4');
  const hello = await start(t, 'pgolard/ms-hello:v4', { MS_BYE_SVC_SERVICE_HOST: '127.0.0.1', MS_BYE_SVC_SERVICE_PORT: String(bye.port) });
  const res = await fetch(`${hello.url}/contactByeFromHello?svcDiscovery=ENVVAR`);
  t.is(res.headers.get('content-type'), 'application/json; charset=utf-8');
  t.is(
    await res.text(),
    '{"msgFromHelloToBye":"MS Hello says HELLLOOO to MS GoodBye","serviceDiscovery":"Environment variable TEST_BYE_SVC_SERVICE_HOST: 127.0.0.1","msgFromByeToHello":"MS Bye replies SEE YOU to MS Hello"}',
  );
  await logged(t, bye, 'testBye MS + sayHelloToBye\n');
  await logged(t, hello, 'url is the process.env.TEST_BYE_SVC_SERVICE_HOST :127.0.0.1\n');
});

// A pod started before ms-bye-svc existed has no MS_BYE_SVC_SERVICE_PORT (the seed shows this), so the call fails.
test('ms-hello by DNS names http://ms-bye-svc and, like the original, answers empty when the call fails', async (t) => {
  const hello = await start(t, 'pgolard/ms-hello:v4');
  const res = await fetch(`${hello.url}/contactByeFromHello?svcDiscovery=DNS`);
  t.is(res.status, 200);
  t.is(await res.text(), '');
  await logged(t, hello, 'contactByeFromHello + dns\nurl is the same as the service name http://ms-bye-svc\nbodyResponse\nundefined\n');
});

test('ms-bye adds its reply to the JSON greeting it is posted', async (t) => {
  const bye = await start(t, 'pgolard/ms-bye:v4');
  const res = await fetch(`${bye.url}/sayHelloToBye`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"from":"test"}' });
  t.deepEqual(await res.json(), { from: 'test', msgFromByeToHello: 'MS Bye replies SEE YOU to MS Hello' });
  const bad = await fetch(`${bye.url}/sayHelloToBye`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{oops' });
  t.is(bad.status, 400);
});

test('the greeting routes answer JSON with the query parameter', async (t) => {
  const [hello, bye] = await Promise.all([start(t, 'pgolard/ms-hello:v4'), start(t, 'pgolard/ms-bye:v4')]);
  t.is(await (await fetch(`${hello.url}/sayHelloToSomeone?personToSalute=Ada`)).text(), '{"personToSayHello":"Ada"}');
  t.is(await (await fetch(`${bye.url}/sayByeToSomeone?personToSalute=Ada`)).text(), '{"personToSayBye":"Ada"}');
  t.is(await (await fetch(`${bye.url}/sayByeToSomeone`)).text(), '{}');
});

test('unknown routes get the Express 404 page', async (t) => {
  const hello = await start(t, 'pgolard/ms-hello:v4');
  const res = await fetch(`${hello.url}/nope?x=1`);
  t.is(res.status, 404);
  t.is(
    await res.text(),
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot GET /nope</pre>\n</body>\n</html>\n',
  );
});

test('the tutorial apps log their start and each request in morgan combined format', async (t) => {
  const hello = await start(t, 'pgolard/ms-hello:v4');
  await (await fetch(`${hello.url}/`, { headers: { 'user-agent': 'curl/7.64.0' } })).text();
  await logged(t, hello, `Running on http://0.0.0.0:${hello.port}\n`);
  await logged(t, hello, /\n127\.0\.0\.1 - - \[\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET \/ HTTP\/1\.1" 200 42 "-" "curl\/7\.64\.0"\n/);
});

test('httpenv answers its environment as sorted JSON, escaped as Go does', async (t) => {
  const httpenv = await start(t, 'bretfisher/httpenv', { HOSTNAME: 'httpenv-6fdc8554fb-2wmfd', ZED: '<a&b>' });
  const res = await fetch(`${httpenv.url}/any`);
  t.is(res.headers.get('content-type'), 'text/plain; charset=utf-8');
  const body = await res.text();
  t.true(body.includes('"ZED":"\\u003ca\\u0026b\\u003e"'));
  const env = JSON.parse(body) as Record<string, string>;
  t.like(env, { HOSTNAME: 'httpenv-6fdc8554fb-2wmfd', PORT: String(httpenv.port), ZED: '<a&b>' });
  t.deepEqual(Object.keys(env), Object.keys(env).sort());
  await logged(t, httpenv, `Starting httpenv listening on port ${httpenv.port}.\n`);
});
