// The kubelet's port-forward over an in-memory SPDY connection, frame by frame, to real
// TCP sockets on 127.0.0.1 (an echo server and a closed port).
import test from 'ava';
import net from 'node:net';
import { Duplex } from 'node:stream';
import { servePortForward, type Dial } from '../../../../../src/agent/kubelet/streaming/portforward.js';
import { HeaderCompressor, HeaderDecompressor } from '../../../../../src/agent/kubelet/streaming/spdy/compression.js';
import { encodeFrame, flags, FrameReader, type Frame } from '../../../../../src/agent/kubelet/streaming/spdy/frames.js';
import { SpdySession } from '../../../../../src/agent/kubelet/streaming/spdy/session.js';
import { poll } from '../../../../../src/util/poll.js';

/** The client end: sends frames, keeps what the server sent (header blocks decoded). */
class Client {
  readonly frames: (Frame & { headers?: Record<string, string[]> })[] = [];
  private readonly reader = new FrameReader();
  private readonly inflate = new HeaderDecompressor();
  private readonly deflate = new HeaderCompressor();
  private chain = Promise.resolve();
  closed = false;
  readonly session: SpdySession;

  constructor() {
    this.session = new SpdySession({
      write: (frame, cb) => {
        for (const f of this.reader.push(frame)) {
          this.chain = this.chain.then(async () => {
            this.frames.push('headerBlock' in f ? { ...f, headers: await this.inflate.decompress(f.headerBlock) } : f);
          });
        }
        cb();
      },
      close: () => (this.closed = true),
    });
  }

  async open(id: number, headers: Record<string, string>, fl = 0): Promise<void> {
    const headerBlock = await this.deflate.compress(headers);
    this.session.receive(encodeFrame({ kind: 'synStream', streamId: id, associatedId: 0, priority: 0, flags: fl, headerBlock }));
  }

  send(f: Frame): void {
    // Cut in two: the server reassembles frames from any split.
    const b = encodeFrame(f);
    this.session.receive(b.subarray(0, 3));
    this.session.receive(b.subarray(3));
  }

  data(id: number): string {
    return Buffer.concat(this.frames.filter((f) => f.kind === 'data' && f.streamId === id).map((f) => (f as { data: Buffer }).data)).toString();
  }

  fin(id: number): boolean {
    return this.frames.some((f) => f.kind === 'data' && f.streamId === id && (f.flags & flags.fin) !== 0);
  }

  async until(what: string, fn: () => boolean): Promise<void> {
    if (!(await poll(fn, { timeoutMs: 3000, everyMs: 10 }))) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(this.frames.map((f) => f.kind))}`);
  }
}

function tcpDial(port: number): ReturnType<Dial> {
  const socket = net.connect(port, '127.0.0.1');
  const connected = new Promise<void>((ok, fail) => {
    socket.once('connect', ok);
    socket.once('error', (e: NodeJS.ErrnoException) => fail(new Error(e.code === 'ECONNREFUSED' ? `dial tcp4 127.0.0.1:${port}: connect: connection refused` : e.message)));
  });
  connected.catch(() => undefined);
  return { stream: socket as Duplex, connected, close: () => socket.destroy() };
}

async function echoServer(): Promise<{ port: number; close: () => void }> {
  const server = net.createServer((s) => s.pipe(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

const serve = (c: Client, ports: Record<number, number>): void =>
  servePortForward(c.session, 'default/web', (port) => tcpDial(ports[port] ?? 1), (port, cause) => `error forwarding port ${port} to pod x, uid : ${cause}`);

test('each stream gets a SYN_REPLY; a data/error pair carries bytes to the port and back; FIN half-closes', async (t) => {
  const echo = await echoServer();
  const c = new Client();
  serve(c, { 80: echo.port });
  await c.open(1, { streamtype: 'error', port: '80', requestid: '0' }, flags.fin);
  await c.open(3, { streamtype: 'data', port: '80', requestid: '0' });
  await c.until('two replies', () => c.frames.filter((f) => f.kind === 'synReply').length === 2);
  t.deepEqual(c.frames.filter((f) => f.kind === 'synReply').map((f) => [(f as { streamId: number }).streamId, f.headers]), [[1, {}], [3, {}]]);
  c.send({ kind: 'data', streamId: 3, flags: 0, data: Buffer.from('hello ') });
  c.send({ kind: 'data', streamId: 3, flags: flags.fin, data: Buffer.from('pod') });
  await c.until('the echo and FIN', () => c.fin(3));
  t.is(c.data(3), 'hello pod');
  await c.until('the error stream closed empty', () => c.fin(1));
  t.is(c.data(1), '');
  echo.close();
});

test('concurrent pairs are kept apart by requestid, whatever order their streams come in', async (t) => {
  const echo = await echoServer();
  t.teardown(echo.close);
  const c = new Client();
  serve(c, { 80: echo.port });
  const n = 20;
  // Stream ids only grow: every data stream first (ids 1, 3, ...), then the error streams in reverse.
  const dataId = (i: number): number => 2 * i + 1;
  for (let i = 0; i < n; i++) await c.open(dataId(i), { streamtype: 'data', port: '80', requestid: String(i) });
  for (let i = n - 1; i >= 0; i--) await c.open(2 * n + 2 * (n - 1 - i) + 1, { streamtype: 'error', port: '80', requestid: String(i) }, flags.fin);
  for (let i = 0; i < n; i++) c.send({ kind: 'data', streamId: dataId(i), flags: flags.fin, data: Buffer.from(`conn-${i}`) });
  await c.until('every echo', () => Array.from({ length: n }, (_, i) => c.fin(dataId(i))).every(Boolean));
  for (let i = 0; i < n; i++) t.is(c.data(dataId(i)), `conn-${i}`);
  echo.close();
});

test('a closed port: the dial error on the error stream, both streams closed', async (t) => {
  const c = new Client();
  serve(c, {});
  await c.open(1, { streamtype: 'error', port: '81', requestid: '7' }, flags.fin);
  await c.open(3, { streamtype: 'data', port: '81', requestid: '7' });
  await c.until('both closed', () => c.fin(1) && c.fin(3));
  t.is(c.data(1), 'error forwarding port 81 to pod x, uid : dial tcp4 127.0.0.1:1: connect: connection refused');
});

test('bad stream headers reset the stream; client PINGs are echoed; RST_STREAM stops a pair; GOAWAY closes', async (t) => {
  const echo = await echoServer();
  const c = new Client();
  serve(c, { 80: echo.port });
  await c.open(1, { streamtype: 'data', requestid: '0' });
  await c.open(3, { streamtype: 'bogus', port: '80', requestid: '0' });
  await c.until('two resets', () => c.frames.filter((f) => f.kind === 'rstStream').length === 2);
  t.deepEqual(c.frames.filter((f) => f.kind === 'rstStream').map((f) => (f as { streamId: number }).streamId), [1, 3]);
  c.send({ kind: 'ping', id: 5 });
  await c.until('the pong', () => c.frames.some((f) => f.kind === 'ping'));
  t.deepEqual(c.frames.find((f) => f.kind === 'ping'), { kind: 'ping', id: 5 });
  await c.open(5, { streamtype: 'error', port: '80', requestid: '1' }, flags.fin);
  await c.open(7, { streamtype: 'data', port: '80', requestid: '1' });
  c.send({ kind: 'rstStream', streamId: 7, status: 5 });
  await c.until('the error stream closed', () => c.fin(5));
  c.send({ kind: 'goAway', lastGoodStreamId: 7, status: 0 });
  t.true(await poll(() => c.closed, { timeoutMs: 3000, everyMs: 10 }), 'GOAWAY closes the transport');
  echo.close();
});

test('a frame of SPDY/2 is a protocol error: GOAWAY, then the connection closes', async (t) => {
  const c = new Client();
  serve(c, {});
  c.session.receive(Buffer.from([0x80, 0x02, 0x00, 0x06, 0, 0, 0, 4, 0, 0, 0, 1]));
  await c.until('closed', () => c.closed);
  await c.until('goaway', () => c.frames.some((f) => f.kind === 'goAway'));
  t.deepEqual(c.frames.find((f) => f.kind === 'goAway'), { kind: 'goAway', lastGoodStreamId: 0, status: 1 });
});
