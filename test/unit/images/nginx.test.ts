import test from 'ava';
import { logged, start } from './run.js';

test('nginx serves the 612-byte welcome page with nginx headers', async (t) => {
  const nginx = await start(t, 'nginx');
  const res = await fetch(`${nginx.url}/`, { headers: { host: 'www.google.com' } });
  t.is(res.status, 200);
  t.is(res.headers.get('server'), 'nginx/1.27.5');
  t.is(res.headers.get('content-type'), 'text/html');
  t.is(res.headers.get('content-length'), '612');
  t.is(res.headers.get('accept-ranges'), 'bytes');
  t.regex(res.headers.get('etag')!, /^"[0-9a-f]+-264"$/);
  t.is(res.headers.get('keep-alive'), null);
  const page = await res.text();
  t.true(page.startsWith('<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n'));
  t.true(page.endsWith('<p><em>Thank you for using nginx.</em></p>\n</body>\n</html>\n'));
  t.is(await (await fetch(`${nginx.url}/index.html?x=1`)).text(), page);
});

test('the nginx Server header follows a full version tag', async (t) => {
  const nginx = await start(t, 'nginx:1.25.3');
  t.is((await fetch(`${nginx.url}/`)).headers.get('server'), 'nginx/1.25.3');
});

test('nginx answers other paths with its 404 page and other methods with 405', async (t) => {
  const nginx = await start(t, 'docker.io/library/nginx:latest');
  const missing = await fetch(`${nginx.url}/missing`);
  t.is(missing.status, 404);
  t.is(
    await missing.text(),
    '<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx/1.27.5</center>\r\n</body>\r\n</html>\r\n',
  );
  const post = await fetch(`${nginx.url}/`, { method: 'POST', body: 'x' });
  t.is(post.status, 405);
  t.regex(await post.text(), /<title>405 Not Allowed<\/title>/);
  t.is((await fetch(`${nginx.url}/missing`, { method: 'POST', body: 'x' })).status, 404);
});

test('nginx logs each request in its main log format', async (t) => {
  const nginx = await start(t, 'nginx');
  await (await fetch(`${nginx.url}/`, { headers: { 'user-agent': 'curl/7.64.0' } })).text();
  await logged(t, nginx, /\n127\.0\.0\.1 - - \[\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET \/ HTTP\/1\.1" 200 612 "-" "curl\/7\.64\.0" "-"\n/);
});
