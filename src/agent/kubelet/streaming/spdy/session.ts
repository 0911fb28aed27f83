// The server side of a SPDY/3 connection as Kubernetes' streaming uses it (moby/spdystream):
// the client opens streams (SYN_STREAM with headers), the server accepts each with an empty
// SYN_REPLY; data flows both ways until each side sends FIN; RST_STREAM aborts one stream;
// PINGs from the client are echoed. No flow control: spdystream does not use it either.
import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import { HeaderCompressor, HeaderDecompressor } from './compression.js';
import { encodeFrame, flags, FrameReader, ProtocolError, rstStatus, type Frame, MAX_LENGTH } from './frames.js';

/** Where frames go: one call per frame, cb once the bytes are handed on (backpressure). */
export interface FrameTransport {
  write(frame: Buffer, cb: (err?: Error | null) => void): void;
  close(): void;
}

/** One SPDY stream: a Duplex whose end() sends FIN and destroy() sends RST_STREAM when still open. */
export class SpdyStream extends Duplex {
  private finSent = false;
  private remoteDone = false;

  constructor(
    private readonly session: SpdySession,
    readonly id: number,
    readonly headers: Record<string, string[]>,
  ) {
    super({ allowHalfOpen: true });
  }

  header(name: string): string | undefined {
    return this.headers[name.toLowerCase()]?.[0];
  }

  override _read(): void {
    /* data frames are pushed as they arrive */
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    const writes: Promise<void>[] = [];
    for (let at = 0; at < chunk.length; at += MAX_LENGTH) writes.push(this.session.send({ kind: 'data', streamId: this.id, flags: 0, data: chunk.subarray(at, at + MAX_LENGTH) }));
    Promise.all(writes).then(() => cb(), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.finSent = true;
    this.session.send({ kind: 'data', streamId: this.id, flags: flags.fin, data: Buffer.alloc(0) }).then(() => cb(), cb);
    this.maybeForget();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.finSent || !this.remoteDone) void this.session.send({ kind: 'rstStream', streamId: this.id, status: rstStatus.cancel }).catch(() => undefined);
    this.session.forget(this.id);
    cb(err);
  }

  /** @internal a data frame from the peer. */
  received(data: Buffer, fin: boolean): void {
    if (this.remoteDone) return;
    if (data.length) this.push(data);
    if (fin) {
      this.remoteDone = true;
      this.push(null);
      this.maybeForget();
    }
  }

  /** @internal the peer reset the stream or the connection went away. */
  aborted(): void {
    this.remoteDone = true;
    this.finSent = true;
    this.destroy();
  }

  private maybeForget(): void {
    if (this.finSent && this.remoteDone) this.session.forget(this.id);
  }
}

export interface SpdySession {
  on(event: 'stream', listener: (stream: SpdyStream) => void): this;
  on(event: 'close', listener: () => void): this;
}

export class SpdySession extends EventEmitter {
  private readonly reader = new FrameReader();
  private readonly compressor = new HeaderCompressor();
  private readonly decompressor = new HeaderDecompressor();
  private readonly streams = new Map<number, SpdyStream>();
  private incoming: Promise<void> = Promise.resolve();
  private outgoing: Promise<void> = Promise.resolve();
  private lastStreamId = 0;
  private closed = false;

  constructor(private readonly transport: FrameTransport) {
    super();
  }

  /** Bytes from the peer (any cut: frames are reassembled). */
  receive(chunk: Buffer): void {
    if (this.closed) return;
    let frames: Frame[];
    try {
      frames = this.reader.push(chunk);
    } catch (e) {
      return this.fail(e as Error);
    }
    for (const f of frames) this.incoming = this.incoming.then(() => this.handle(f)).catch((e: Error) => this.fail(e));
  }

  /** Sends one frame after every frame queued before it. */
  send(frame: Frame | (() => Promise<Frame>)): Promise<void> {
    if (this.closed) return Promise.reject(new Error('connection closed'));
    const next = this.outgoing.then(async () => {
      const f = typeof frame === 'function' ? await frame() : frame;
      await new Promise<void>((resolve, reject) => this.transport.write(encodeFrame(f), (err) => (err ? reject(err) : resolve())));
    });
    this.outgoing = next.catch(() => undefined);
    return next;
  }

  private reply(streamId: number): Promise<void> {
    // Compressed when its turn comes: the zlib stream's state must follow the frames' order.
    return this.send(async () => ({ kind: 'synReply', streamId, flags: 0, headerBlock: await this.compressor.compress({}) }));
  }

  private async handle(f: Frame): Promise<void> {
    switch (f.kind) {
      case 'synStream': {
        const headers = await this.decompressor.decompress(f.headerBlock);
        if (f.streamId <= this.lastStreamId || f.streamId % 2 === 0) {
          await this.send({ kind: 'rstStream', streamId: f.streamId, status: rstStatus.protocolError });
          return;
        }
        this.lastStreamId = f.streamId;
        const stream = new SpdyStream(this, f.streamId, headers);
        this.streams.set(f.streamId, stream);
        const replied = this.reply(f.streamId);
        if (f.flags & flags.fin) stream.received(Buffer.alloc(0), true);
        this.emit('stream', stream);
        await replied;
        return;
      }
      case 'data':
        this.streams.get(f.streamId)?.received(f.data, (f.flags & flags.fin) !== 0);
        return;
      case 'rstStream':
        this.streams.get(f.streamId)?.aborted();
        return;
      case 'headers':
        await this.decompressor.decompress(f.headerBlock); // keeps the zlib stream in step
        return;
      case 'ping':
        if (f.id % 2 === 1) await this.send(f); // the client's (odd) pings come back unchanged
        return;
      case 'goAway':
        this.close();
        return;
      case 'synReply':
        await this.decompressor.decompress(f.headerBlock);
        return;
      default:
        return; // SETTINGS, WINDOW_UPDATE and unknown control frames: nothing to do
    }
  }

  /** @internal a stream done in both directions. */
  forget(id: number): void {
    this.streams.delete(id);
  }

  private fail(e: Error): void {
    if (this.closed) return;
    if (e instanceof ProtocolError) void this.send({ kind: 'goAway', lastGoodStreamId: this.lastStreamId, status: 1 }).catch(() => undefined);
    this.close();
  }

  /** Ends every stream and the transport. */
  close(): void {
    if (this.closed) return;
    for (const s of [...this.streams.values()]) s.aborted();
    this.closed = true;
    void this.outgoing.finally(() => this.transport.close());
    this.streams.clear();
    this.compressor.close();
    this.decompressor.close();
    this.emit('close');
  }

  /** The transport went away underneath. */
  transportClosed(): void {
    this.close();
  }
}
