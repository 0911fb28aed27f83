// nginx: the stock image's welcome page, error pages, headers and access log.
import http from 'node:http';
import { clfDate } from '../lib/clf.js';
import { exitOnStop, listenPort } from '../lib/pod.js';

const port = listenPort(80);
const server = `nginx/${process.env.NGINX_VERSION || '1.27.5'}`;
// Byte for byte the page the seed tutorial shows (612 bytes).
const WELCOME = `<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
    body {
        width: 35em;
        margin: 0 auto;
        font-family: Tahoma, Verdana, Arial, sans-serif;
    }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
`;
const MODIFIED = new Date('2025-04-16T12:01:11Z');
const ETAG = `"${(MODIFIED.getTime() / 1000).toString(16)}-${Buffer.byteLength(WELCOME).toString(16)}"`;
const REASONS: Record<number, string> = { 404: '404 Not Found', 405: '405 Not Allowed' };

const errorPage = (status: number): string =>
  [`<html>`, `<head><title>${REASONS[status]}</title></head>`, `<body>`, `<center><h1>${REASONS[status]}</h1></center>`, `<hr><center>${server}</center>`, `</body>`, `</html>`, ``].join('\r\n');

const app = http.createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  const found = path === '/' || path === '/index.html';
  const readable = req.method === 'GET' || req.method === 'HEAD';
  // nginx's static module: existing files refuse other methods, missing ones are 404 for GET/HEAD/POST.
  const status = found && readable ? 200 : found || !(readable || req.method === 'POST') ? 405 : 404;
  const body = status === 200 ? WELCOME : errorPage(status);
  res.statusCode = status;
  res.setHeader('Server', server);
  res.setHeader('Date', new Date().toUTCString());
  res.setHeader('Content-Type', 'text/html');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  if (status === 200) {
    res.setHeader('Last-Modified', MODIFIED.toUTCString());
    res.setHeader('ETag', ETAG);
    res.setHeader('Accept-Ranges', 'bytes');
  }
  res.end(body);
  const sent = req.method === 'HEAD' ? 0 : Buffer.byteLength(body);
  const h = (name: string): string => (req.headers[name] as string | undefined) ?? '-';
  console.log(
    `${req.socket.remoteAddress} - - [${clfDate()}] "${req.method} ${req.url} HTTP/${req.httpVersion}" ${status} ${sent} "${h('referer')}" "${h('user-agent')}" "${h('x-forwarded-for')}"`,
  );
});
// nginx sends no Keep-Alive header (Node does unless its timeout is 0); idle connections
// still close after nginx's keepalive_timeout of 65 s.
app.keepAliveTimeout = 0;
app.on('connection', (socket) => socket.setTimeout(65_000, () => socket.destroy()));

exitOnStop('SIGQUIT');
app.listen(port, '0.0.0.0', () => console.log('/docker-entrypoint.sh: Configuration complete; ready for start up'));
