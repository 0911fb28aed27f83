// registry.k8s.io/e2e-test-images/agnhost, the Kubernetes docs' test server: the subcommands
// tutorials use. netexec (HTTP on --http-port 8080: /, /hostname, /echo?msg=, /clientip,
// /healthz, /header, /redirect, /shell?cmd=, /exit, /shutdown; UDP on --udp-port 8081:
// "hostname", "echo <msg>", "clientip"); serve-hostname (--port 9376, HTTP or --tcp/--udp);
// pause.
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { goFlags } from '../lib/flags.js';
import { exitOnStop } from '../lib/pod.js';

const [sub, ...rest] = process.argv.slice(2);
const hostname = os.hostname();
const log = (msg: string): void => console.log(`${new Date().toISOString().replace('T', ' ').slice(0, 19).replaceAll('-', '/')} ${msg}`);

function netexec(flags: Map<string, string>): void {
  const httpPort = Number(flags.get('http-port') ?? 8080);
  const udpPort = Number(flags.get('udp-port') ?? 8081);
  let ready = udpPort === -1;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const q = (k: string): string => url.searchParams.get(k) ?? '';
    const send = (body: string, code = 200, headers: http.OutgoingHttpHeaders = {}): void => {
      res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
      res.end(body);
    };
    const remote = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    switch (url.pathname) {
      case '/hostname':
      case '/hostName':
        log('GET /hostname');
        return send(hostname);
      case '/echo': {
        log(`GET /echo?msg=${q('msg')}&code=${q('code')}`);
        if (q('code') && !/^\d+$/.test(q('code'))) return send(`argument 'code' must be an integer or empty, got "${q('code')}"\n`);
        return send(q('msg'), q('code') ? Number(q('code')) : 200);
      }
      case '/clientip':
        log('GET /clientip');
        return send(remote);
      case '/healthz':
        log('GET /healthz');
        return send('', ready ? 200 : 412);
      case '/header': {
        const key = q('key').toLowerCase();
        return send(String(req.headers[key] ?? ''));
      }
      case '/redirect':
        return send('', Number(q('code') || 303), { Location: q('location') });
      case '/shell': {
        const cmd = q('shellCommand') || q('cmd');
        log(`GET /shell?cmd=${cmd}`);
        return void execFile('/bin/sh', ['-c', cmd], (err, stdout, stderr) => {
          const output: Record<string, string> = {};
          if (stdout + stderr) output.output = stdout + stderr;
          if (err) output.error = `exit status ${typeof err.code === 'number' ? err.code : 1}`;
          send(JSON.stringify(output));
        });
      }
      case '/exit':
      case '/shutdown': {
        const code = Number(q('code') || 0);
        log(`GET ${url.pathname}?code=${code}`);
        send('');
        return void setTimeout(() => process.exit(code), 50);
      }
      default:
        log('GET /');
        return send(`NOW: ${new Date().toISOString().replace('T', ' ').replace('Z', ' +0000 UTC')}`);
    }
  });
  server.listen(httpPort, () => log(`Started HTTP server on port ${httpPort}`));
  if (udpPort !== -1) {
    const udp = dgram.createSocket('udp4');
    udp.on('message', (msg, from) => {
      const [cmd, ...args] = msg.toString().trim().split(' ');
      const answer = cmd === 'hostname' ? hostname : cmd === 'echo' ? args.join(' ') : cmd === 'clientip' ? `${from.address}:${from.port}` : `unknown command: ${cmd}`;
      udp.send(answer, from.port, from.address);
    });
    udp.bind(udpPort, () => {
      ready = true;
      log(`Started UDP server on port ${udpPort}`);
    });
  }
}

function serveHostname(flags: Map<string, string>): void {
  const port = Number(flags.get('port') ?? 9376);
  const tcp = flags.get('tcp') === 'true';
  const udp = flags.get('udp') === 'true';
  const doHttp = flags.get('http') !== 'false' && !tcp && !udp;
  if (flags.get('http') === 'true' && (tcp || udp)) {
    log("Can't server TCP/UDP mode and HTTP mode at the same time");
    process.exit(1);
  }
  if (tcp) net.createServer((c) => c.end(hostname)).listen(port);
  if (udp) {
    const s = dgram.createSocket('udp4');
    s.on('message', (_m, from) => s.send(hostname, from.port, from.address));
    s.bind(port);
  }
  if (doHttp) {
    http
      .createServer((req, res) => {
        log(`HTTP request from ${req.socket.remoteAddress}:${req.socket.remotePort}`);
        if (flags.get('close') === 'true') res.setHeader('Connection', 'close');
        res.end(hostname);
      })
      .listen(port);
  }
  log(`Serving on port ${port}.`);
}

exitOnStop();
switch (sub) {
  case 'netexec':
    netexec(goFlags(rest));
    break;
  case 'serve-hostname':
    serveHostname(goFlags(rest, ['tcp', 'udp', 'http', 'close']));
    break;
  case 'pause':
    log('Paused');
    setInterval(() => undefined, 1 << 30);
    break;
  default:
    console.error(`${sub ? `Error: unknown command "${sub}" for "agnhost"\n` : ''}Usage:\n  agnhost [command]\n\nAvailable Commands (in this lab):\n  netexec         Creates HTTP(S), UDP servers with various endpoints\n  pause           Pauses the execution\n  serve-hostname  Serves the hostname`);
    process.exit(sub ? 1 : 0);
}
