// lab/hello: answers with the pod's name, IP and port; .../json also with the request's path and
// headers (what a proxy in front passed on); /call reaches another service.
import http from 'node:http';
import { request } from '../lib/client.js';
import { exitOnStop, listenPort, podIP, podName } from '../lib/pod.js';

const port = listenPort(8080);
const pod = podName();
const ip = podIP();

type Answer = { status: number; type: string; body: string };

async function answer(req: http.IncomingMessage, client: string): Promise<Answer> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const text = (status: number, body: string): Answer => ({ status, type: 'text/plain; charset=utf-8', body });
  // Any path ending in /json answers JSON, so it can be asked for behind a proxy's path prefix.
  switch (url.pathname.endsWith('/json') ? '/json' : url.pathname) {
    case '/healthz':
      return text(200, 'ok\n');
    case '/json':
      return { status: 200, type: 'application/json', body: JSON.stringify({ pod, ip, port, client, path: url.pathname, headers: req.headers }) + '\n' };
    case '/call': {
      const target = url.searchParams.get('url') ?? '';
      if (!/^http:\/\//.test(target)) return text(400, 'usage: /call?url=http://<service>:<port>/<path>\n');
      try {
        const r = await request(target);
        return { status: r.status, type: r.type ?? 'text/plain', body: r.body };
      } catch (err) {
        return text(502, `call ${target} failed: ${(err as Error).message}\n`);
      }
    }
    default:
      return text(200, `Hello from ${pod} at ${ip}:${port}\n`);
  }
}

const server = http.createServer((req, res) => {
  const client = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
  void answer(req, client)
    .catch(() => ({ status: 400, type: 'text/plain; charset=utf-8', body: 'bad request\n' }))
    .then((a) => {
      res.writeHead(a.status, { 'content-type': a.type, 'content-length': Buffer.byteLength(a.body) });
      res.end(a.body);
      console.log(`${client} ${req.method} ${req.url} ${a.status}`);
    });
});

exitOnStop();
server.listen(port, '0.0.0.0', () => console.log(`hello: ${pod} listening on ${ip}:${port}`));
