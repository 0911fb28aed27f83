// The lab's "internet": a web server outside the cluster, on several ports,
// answering as whatever host it is asked for (google.com gets a Google-like
// page, so the seed's ExternalName curl shows the same title as the tutorial).
import http from 'node:http';

const ports = (process.env.PORTS ?? '80,9090,9376').split(',').map(Number);

function page(host: string, port: number, client: string): [string, string] {
  if (/(^|\.)google\.com(:\d+)?$/.test(host)) {
    return ['text/html; charset=ISO-8859-1', '<!doctype html><html itemscope="" itemtype="http://schema.org/WebPage" lang="en"><head><meta content="text/html; charset=UTF-8" http-equiv="Content-Type"><title>Google</title></head><body><center><h1>Google</h1><p>(the svclab external server standing in for google.com)</p></center></body></html>\n'];
  }
  return ['text/plain', `Hello from the external server ${host || '(no Host header)'} on port ${port}; you are ${client}\n`];
}

const servers = ports.map((port) =>
  http
    .createServer((req, res) => {
      const [type, body] = page(req.headers.host ?? '', port, req.socket.remoteAddress ?? '');
      res.writeHead(200, { 'Content-Type': type });
      res.end(body);
      console.log(`${req.socket.remoteAddress} ${req.method} ${req.headers.host ?? ''}${req.url} 200`);
    })
    .listen(port, '0.0.0.0'),
);
console.log(`external: listening on ${ports.join(', ')}`);

const stop = (): void => {
  for (const s of servers) s.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
