// pods/portforward on the kubelet side (upstream's kubelet/cri/streaming/portforward): the
// client opens an error stream and a data stream per forwarded connection, paired by their
// requestid header; each pair gets a connection to the pod's port, and a dial failure is
// written on the error stream in upstream's words.
import type { Duplex } from 'node:stream';
import type { SpdySession, SpdyStream } from './spdy/session.js';

export const portForwardProtocol = 'portforward.k8s.io';
/** kubectl 1.31+ tunnels the same SPDY frames in WebSocket binary messages. */
export const portForwardTunnelProtocol = `SPDY/3.1+${portForwardProtocol}`;

/** A connection to the pod's port, or an error message once the dial failed. */
export type Dial = (port: number) => { stream: Duplex; connected: Promise<void>; close(): void };

interface Pair {
  data?: SpdyStream;
  error?: SpdyStream;
  timer: NodeJS.Timeout;
}

/** Upstream's streamCreationTimeout: both streams of a pair within this. */
const streamCreationTimeoutMs = 30_000;

function checkHeaders(s: SpdyStream): string | undefined {
  const port = s.header('port');
  if (!port) return '"port" header is required';
  if (!/^\d+$/.test(port) || Number(port) > 65535) return `unable to parse "${port}" as a port`;
  if (Number(port) < 1) return `port "${port}" must be > 0`;
  const type = s.header('streamtype');
  if (!type) return '"streamType" header is required';
  if (type !== 'error' && type !== 'data') return `invalid stream type "${type}"`;
  return undefined;
}

/**
 * Serves one port-forward connection. describe(port, cause) words a failed dial the way the
 * runtime would ("error forwarding port ..." is added here, as the kubelet adds it).
 */
export function servePortForward(session: SpdySession, podLabel: string, dial: Dial, describe: (port: number, cause: string) => string): void {
  const pairs = new Map<string, Pair>();
  session.on('stream', (s) => {
    const invalid = checkHeaders(s);
    if (invalid) return void s.destroy();
    const type = s.header('streamtype')!;
    // Clients older than request ids: stream ids of a pair are consecutive odd numbers.
    const requestId = s.header('requestid') ?? String(type === 'error' ? s.id : s.id - 2);
    let pair = pairs.get(requestId);
    if (!pair) {
      const timer = setTimeout(() => {
        pairs.delete(requestId);
        pair!.error?.end(`(conn=${podLabel}, request=${requestId}) timed out waiting for streams`);
        pair!.data?.destroy();
      }, streamCreationTimeoutMs);
      pair = { timer };
      pairs.set(requestId, pair);
    }
    if (pair[type as 'data' | 'error']) {
      pair.error?.write(`error processing stream for request ${requestId}: ${type} stream already assigned`);
      return void s.destroy();
    }
    pair[type as 'data' | 'error'] = s;
    s.on('error', () => undefined);
    if (pair.data && pair.error) {
      clearTimeout(pair.timer);
      pairs.delete(requestId);
      forward(pair.data, pair.error, Number(s.header('port')), dial, describe);
    }
  });
  session.on('close', () => {
    for (const p of pairs.values()) clearTimeout(p.timer);
    pairs.clear();
  });
}

function forward(data: SpdyStream, error: SpdyStream, port: number, dial: Dial, describe: (port: number, cause: string) => string): void {
  const conn = dial(port);
  error.resume(); // the client half-closes it at once
  const done = (): void => {
    conn.close();
    if (!data.destroyed) data.end();
    if (!error.destroyed) error.end();
  };
  conn.connected.then(
    () => {
      data.pipe(conn.stream);
      conn.stream.pipe(data, { end: false });
      conn.stream.on('end', done);
      conn.stream.on('error', done);
      data.on('close', done); // the client resets the data stream once it has the pod's answer
    },
    (e: Error) => {
      if (!error.destroyed) error.write(describe(port, e.message));
      done();
    },
  );
}
