// hashicorp/http-echo: answers every request with -text (and a newline); -listen sets the
// address (default :5678); -status-code the code; /health answers {"status":"ok"}.
import http from 'node:http';
import { goFlags } from '../lib/flags.js';
import { exitOnStop } from '../lib/pod.js';

const flags = goFlags(process.argv.slice(2));
const text = flags.get('text') ?? process.env.ECHO_TEXT;
if (text === undefined) {
  console.error('Missing -text option!');
  process.exit(127);
}
const listen = flags.get('listen') ?? ':5678';
const port = Number(listen.slice(listen.lastIndexOf(':') + 1));
const host = listen.slice(0, listen.lastIndexOf(':')) || '0.0.0.0';
const status = Number(flags.get('status-code') ?? 200);

const server = http.createServer((req, res) => {
  const health = req.url === '/health';
  const body = health ? '{"status":"ok"}\n' : `${text}\n`;
  res.writeHead(health ? 200 : status, { 'Content-Type': health ? 'application/json' : 'text/plain; charset=utf-8', 'X-App-Name': 'http-echo', 'X-App-Version': '1.0.0' });
  res.end(body);
  console.log(`${host}:${port} ${req.socket.remoteAddress} "${req.method} ${req.url} HTTP/${req.httpVersion}" ${health ? 200 : status} ${Buffer.byteLength(body)} "${req.headers['user-agent'] ?? ''}"`);
});

exitOnStop();
server.listen(port, host, () => console.log(`[INFO] server is listening on ${listen}`));
