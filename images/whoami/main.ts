// traefik/whoami: answers with the pod's hostname, its IPs, the client's address and the
// request as received; /api as JSON; /health; --port (or WHOAMI_PORT_NUMBER, default 80).
import http from 'node:http';
import os from 'node:os';
import { goFlags } from '../lib/flags.js';
import { exitOnStop } from '../lib/pod.js';

const flags = goFlags(process.argv.slice(2), ['verbose']);
const port = Number(flags.get('port') ?? process.env.WHOAMI_PORT_NUMBER ?? 80);
const name = flags.get('name') ?? process.env.WHOAMI_NAME ?? '';

function ips(): string[] {
  return Object.values(os.networkInterfaces()).flatMap((addrs) => (addrs ?? []).map((a) => a.address));
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const remote = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
  if (url.pathname === '/health') {
    res.writeHead(200);
    return void res.end();
  }
  const headers: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) (headers[req.rawHeaders[i]!] ??= []).push(req.rawHeaders[i + 1]!);
  if (url.pathname === '/api') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    return void res.end(JSON.stringify({ hostname: os.hostname(), ip: ips(), headers, url: req.url, host: req.headers.host, method: req.method, name, remoteAddr: remote }));
  }
  const lines = [...(name ? [`Name: ${name}`] : []), `Hostname: ${os.hostname()}`, ...ips().map((ip) => `IP: ${ip}`), `RemoteAddr: ${remote}`, `${req.method} ${req.url} HTTP/${req.httpVersion}`];
  for (const [k, vs] of Object.entries(headers)) for (const v of vs) lines.push(`${k}: ${v}`);
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`${lines.join('\n')}\n\n`);
});

exitOnStop();
server.listen(port, () => console.log(`Starting up on port ${port}`));
