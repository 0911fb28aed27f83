// The kubelet's API on a unix socket (and, on joined machines, over TLS: tls-server.ts): container
// logs, exec, attach and port-forward. The API server proxies pods/log, pods/exec, pods/attach and
// pods/portforward here, as the real one proxies to the kubelet.
import fs from 'node:fs';
import http from 'node:http';
import { finished } from 'node:stream/promises';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Kubelet } from './kubelet.js';
import type { Proxier } from '../proxy/proxier.js';
import { dialInSandbox } from './cri/portforward.js';
import { openTunnel } from '../../net/tunnel.js';
import { portForwardProtocol, portForwardTunnelProtocol, servePortForward } from './streaming/portforward.js';
import { SpdySession, type FrameTransport } from './streaming/spdy/session.js';

const execProtocols = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

const channel = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 };

function fail(res: http.ServerResponse, code: number, message: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain' });
  res.end(message);
}

function parse(url: string | undefined): { kind: string; namespace: string; pod: string; container?: string; query: URLSearchParams } | undefined {
  const u = new URL(url ?? '/', 'http://kubelet');
  const [kind, namespace, pod, container] = u.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (!kind || !namespace || !pod) return undefined;
  return { kind, namespace, pod, container, query: u.searchParams };
}

/** Last n lines of text (n < 0: all). */
function tail(text: string, n: number): string {
  if (n < 0) return text;
  if (n === 0) return '';
  const lines = text.split('\n');
  const trailing = lines.at(-1) === '' ? 1 : 0;
  return lines.slice(Math.max(0, lines.length - trailing - n)).join('\n');
}

async function serveLogs(kubelet: Kubelet, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const p = parse(req.url)!;
  const worker = kubelet.worker(p.namespace, p.pod);
  if (!worker) return fail(res, 404, `pod ${p.namespace}/${p.pod} is not on this node`);
  const container = p.container ?? worker.containerNames()[0]!;
  const previous = p.query.get('previous') === 'true';
  const log = await worker.logs(container, previous);
  if (!log) {
    const why = previous ? `previous terminated container "${container}" in pod "${p.pod}" not found` : `container "${container}" in pod "${p.pod}" is waiting to start`;
    return fail(res, 400, why);
  }
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
  const lines = p.query.has('tailLines') ? Number(p.query.get('tailLines')) : -1;
  let first = tail(log.text, lines);
  const limit = p.query.has('limitBytes') ? Number(p.query.get('limitBytes')) : Infinity;
  if (first.length > limit) first = first.slice(0, limit);
  res.write(first);
  if (p.query.get('follow') !== 'true') {
    res.end();
    return;
  }
  const cancel = log.follow(
    (chunk) => res.write(chunk),
    () => res.end(),
  );
  req.on('close', cancel);
}

function ended(stream: NodeJS.ReadableStream): Promise<void> {
  return finished(stream).catch(() => undefined);
}

function exitStatus(code: number, command: string[]): string {
  if (code === 0) return JSON.stringify({ metadata: {}, status: 'Success' });
  return JSON.stringify({
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  });
}

async function runExec(kubelet: Kubelet, ws: WebSocket, req: http.IncomingMessage): Promise<void> {
  const p = parse(req.url)!;
  const send = (ch: number, data: Buffer | string): void => {
    if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([ch]), Buffer.from(data)]));
  };
  const command = p.query.getAll('command');
  const flag = (name: string): boolean => p.query.get(name) === 'true' || p.query.get(name) === '1';
  const tty = flag('tty');
  const wantStdin = flag('stdin');
  // stdin may arrive while the runtime starts the command: keep it for the process.
  const early: Buffer[] = [];
  const keep = (data: Buffer): number => early.push(data);
  ws.on('message', keep);
  const worker = kubelet.worker(p.namespace, p.pod);
  const proc = worker && command.length > 0 ? await worker.exec(p.container, command, { tty, stdin: wantStdin }) : undefined;
  ws.off('message', keep);
  if (!proc) {
    const why = !worker ? `pod ${p.pod} not found on this node` : command.length === 0 ? 'you must specify at least 1 command' : `container ${p.container ?? ''} is not running`;
    send(channel.error, JSON.stringify({ metadata: {}, status: 'Failure', message: why, reason: 'BadRequest', code: 400 }));
    ws.close(1000);
    return;
  }
  proc.stdin.on('error', () => undefined);
  proc.stdout.on('data', (d: Buffer) => send(channel.stdout, d));
  proc.stderr.on('data', (d: Buffer) => send(channel.stderr, d));
  // The status goes last, after every byte of output.
  void Promise.all([proc.exited, ended(proc.stdout), ended(proc.stderr)]).then(([code]) => {
    send(channel.error, exitStatus(code, command));
    ws.close(1000);
  });
  const onMessage = (data: Buffer): void => {
    if (data.length === 0 || !wantStdin) return;
    if (data[0] === channel.stdin) proc.stdin.write(data.subarray(1));
    else if (data[0] === channel.close && data[1] === channel.stdin) proc.stdin.end();
  };
  early.forEach(onMessage);
  ws.on('message', onMessage);
  ws.on('close', () => proc.kill());
}

/** kubectl attach (and `kubectl run -i`): the container's own stdin and output over the exec channels. */
async function runAttach(kubelet: Kubelet, ws: WebSocket, req: http.IncomingMessage): Promise<void> {
  const p = parse(req.url)!;
  const send = (ch: number, data: Buffer | string): void => {
    if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([ch]), Buffer.from(data)]));
  };
  const flag = (name: string): boolean => p.query.get(name) === 'true' || p.query.get(name) === '1';
  const early: Buffer[] = [];
  const keep = (data: Buffer): number => early.push(data);
  ws.on('message', keep);
  const worker = kubelet.worker(p.namespace, p.pod);
  const spec = worker?.containerSpec(p.container);
  // The first attach of a `kubectl run -i` container also gets what it printed before the client came.
  const att = worker && spec ? await worker.attach(p.container, { stdin: flag('stdin'), replay: spec.stdinOnce === true }) : undefined;
  ws.off('message', keep);
  if (!att) {
    const why = !worker ? `pod ${p.pod} not found on this node` : `container ${p.container ?? ''} is not running`;
    send(channel.error, JSON.stringify({ metadata: {}, status: 'Failure', message: why, reason: 'BadRequest', code: 400 }));
    ws.close(1000);
    return;
  }
  if (flag('stdout')) att.stdout.on('data', (d: Buffer) => send(channel.stdout, d));
  else att.stdout.resume();
  if (flag('stderr')) att.stderr.on('data', (d: Buffer) => send(channel.stderr, d));
  else att.stderr.resume();
  void Promise.all([ended(att.stdout), ended(att.stderr)]).then(() => {
    send(channel.error, JSON.stringify({ metadata: {}, status: 'Success' }));
    ws.close(1000);
  });
  att.stdin?.on('error', () => undefined);
  const onMessage = (data: Buffer): void => {
    if (data.length === 0 || !att.stdin) return;
    if (data[0] === channel.stdin) att.stdin.write(data.subarray(1));
    else if (data[0] === channel.close && data[1] === channel.stdin) att.stdin.end();
  };
  early.forEach(onMessage);
  ws.on('message', onMessage);
  ws.on('close', () => {
    att.stdin?.end(); // the client went away: a stdinOnce container sees the end of its input
    att.detach();
  });
}

// ws costs an agent about 10 MB (measured: 41 -> 55 MB with http, crypto and zlib loaded either way):
// loaded with the first exec, as most agents never serve one.
let wsServer: Promise<WebSocketServer> | undefined;
function streamServer(): Promise<WebSocketServer> {
  const protocols = [...execProtocols, portForwardTunnelProtocol];
  wsServer ??= import('ws').then(({ WebSocketServer }) => new WebSocketServer({ noServer: true, handleProtocols: (offered) => protocols.find((p) => offered.has(p)) ?? false }));
  return wsServer;
}

/** One port-forward connection over either transport, to the pod's sandbox. */
function portForward(kubelet: Kubelet, url: string | undefined, transport: FrameTransport): SpdySession {
  const p = parse(url)!;
  const session = new SpdySession(transport);
  const rec = kubelet.worker(p.namespace, p.pod)?.sandboxRecord();
  if (!rec) {
    queueMicrotask(() => session.close());
    return session;
  }
  const sandboxId = rec.pauseId ?? rec.netns;
  servePortForward(session, `${p.namespace}/${p.pod}`, (port) => dialInSandbox(rec, port), (port, cause) =>
    `error forwarding port ${port} to pod ${sandboxId}, uid : failed to execute portforward in network namespace "/var/run/netns/${rec.netns}": failed to connect to localhost:${port} inside namespace "${sandboxId}", IPv4: ${cause}`);
  return session;
}

/** kubectl 1.31+: SPDY frames inside WebSocket binary messages. */
function portForwardOverWebSocket(kubelet: Kubelet, ws: WebSocket, req: http.IncomingMessage): void {
  const session = portForward(kubelet, req.url, {
    write: (frame, cb) => (ws.readyState === ws.OPEN ? ws.send(frame, { binary: true }, cb) : cb(new Error('closed'))),
    close: () => ws.close(1000),
  });
  ws.on('message', (d: Buffer) => session.receive(d));
  ws.on('close', () => session.transportClosed());
  ws.on('error', () => session.transportClosed());
}

/** The plain SPDY/3.1 upgrade kubectl falls back to (and older clients use). */
function portForwardOverSpdy(kubelet: Kubelet, req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
  const protocols = String(req.headers['x-stream-protocol-version'] ?? '').split(',').map((v) => v.trim());
  if (!protocols.includes(portForwardProtocol)) {
    socket.end(`HTTP/1.1 403 Forbidden\r\nX-Accepted-Stream-Protocol-Versions: ${portForwardProtocol}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nunable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(protocols)}, server accepts ["${portForwardProtocol}"]`);
    return;
  }
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${portForwardProtocol}\r\n\r\n`);
  const session = portForward(kubelet, req.url, {
    write: (frame, cb) => (socket.writable ? socket.write(frame, cb) : cb(new Error('closed'))),
    close: () => socket.end(),
  });
  if (head.length) session.receive(head);
  socket.on('data', (d: Buffer) => session.receive(d));
  socket.on('close', () => session.transportClosed());
  socket.on('error', () => session.transportClosed());
}

/**
 * CONNECT ip:port: the API server's proxy to a pod of this node, opened here, inside the node's
 * network namespace (the API server runs on the host, outside the lab's networks). Only this
 * node's pod addresses are reachable this way.
 */
function connectToPod(kubelet: Kubelet, req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
  const m = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(req.url ?? '');
  const local = m && kubelet.sandboxes().some((rec) => rec.ip === m[1]);
  if (!m || !local) return void socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
  openTunnel(socket, head, m[1]!, Number(m[2]));
}

/** Refuses a request before it is served (the TLS port's authentication and authorization). */
export type KubeletGuard = (req: http.IncomingMessage) => Promise<{ code: number; message: string } | undefined>;

/** The kubelet API's handlers on a server: plain HTTP on the unix socket, or HTTPS on the node's port 10250. */
export function serveKubeletApi(server: http.Server, kubelet: Kubelet, proxier?: Proxier, guard?: KubeletGuard): void {
  const serve = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const p = parse(req.url);
    if (req.method === 'GET' && p?.kind === 'containerLogs') return void serveLogs(kubelet, req, res).catch((e: Error) => fail(res, 500, e.message));
    if (p?.kind === 'exec' || p?.kind === 'attach' || p?.kind === 'portForward') return fail(res, 400, 'Upgrade request required');
    if (req.url === '/metrics' && proxier) {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
      return void res.end(proxier.metrics.render());
    }
    fail(res, 404, 'not found');
  };
  // Without a guard (the unix socket) a request is served at once; with one, once it lets it through.
  const guarded = (req: http.IncomingMessage, refuse: (code: number, message: string) => void, go: () => void): void => {
    if (!guard) return go();
    void guard(req).then((refused) => (refused ? refuse(refused.code, refused.message) : go()));
  };
  const refuseRaw = (socket: Duplex) => (code: number, message: string) => {
    socket.end(`HTTP/1.1 ${code} ${http.STATUS_CODES[code] ?? ''}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${message}`);
  };
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => guarded(req, (code, message) => fail(res, code, message), () => serve(req, res)));
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    guarded(req, refuseRaw(socket), () => upgrade(req, socket, head));
  });
  const upgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    const kind = parse(req.url)?.kind;
    if (kind === 'portForward' && String(req.headers.upgrade).toLowerCase().startsWith('spdy/')) return portForwardOverSpdy(kubelet, req, socket, head);
    if (kind !== 'exec' && kind !== 'attach' && kind !== 'portForward') return void socket.destroy();
    void streamServer().then((wss) =>
      wss.handleUpgrade(req, socket, head, (ws) => {
        if (kind === 'portForward') return portForwardOverWebSocket(kubelet, ws, req);
        void (kind === 'attach' ? runAttach : runExec)(kubelet, ws, req).catch(() => ws.close(1011));
      }),
    );
  };
  server.on('connect', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    guarded(req, refuseRaw(socket), () => connectToPod(kubelet, req, socket, head));
  });
}

export function startKubeletServer(kubelet: Kubelet, socketPath: string, proxier?: Proxier): http.Server {
  const server = http.createServer();
  serveKubeletApi(server, kubelet, proxier);
  if (fs.existsSync(socketPath)) fs.unlinkSync(socketPath);
  server.listen(socketPath);
  return server;
}
