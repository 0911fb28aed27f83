// SPDY/3 frames (draft 3, section 2.2): an 8-byte header, control frames (version 3 + type)
// or data frames (stream id), flags and a 24-bit length. Pure: header blocks travel here
// compressed; compression.ts turns them into name/value pairs.

const frameType = { synStream: 1, synReply: 2, rstStream: 3, settings: 4, ping: 6, goAway: 7, headers: 8, windowUpdate: 9 } as const;
export const flags = { fin: 0x01, unidirectional: 0x02 } as const;
/** RST_STREAM status codes. */
export const rstStatus = { protocolError: 1, invalidStream: 2, refusedStream: 3, unsupportedVersion: 4, cancel: 5, internalError: 6 } as const;
const VERSION = 3;
export const MAX_LENGTH = 0xffffff;

export type Frame =
  | { kind: 'data'; streamId: number; flags: number; data: Buffer }
  | { kind: 'synStream'; streamId: number; associatedId: number; priority: number; flags: number; headerBlock: Buffer }
  | { kind: 'synReply'; streamId: number; flags: number; headerBlock: Buffer }
  | { kind: 'headers'; streamId: number; flags: number; headerBlock: Buffer }
  | { kind: 'rstStream'; streamId: number; status: number }
  | { kind: 'settings'; flags: number; entries: { flags: number; id: number; value: number }[] }
  | { kind: 'ping'; id: number }
  | { kind: 'goAway'; lastGoodStreamId: number; status: number }
  | { kind: 'windowUpdate'; streamId: number; delta: number }
  | { kind: 'unknown'; type: number; flags: number; payload: Buffer };

export class ProtocolError extends Error {}

function control(type: number, fl: number, payload: Buffer): Buffer {
  if (payload.length > MAX_LENGTH) throw new ProtocolError('frame too large');
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8000 | VERSION, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt32BE(payload.length, 4);
  h[4] = fl;
  return Buffer.concat([h, payload]);
}

function u32(...values: number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, 4 * i));
  return b;
}

/** One frame on the wire (header blocks already compressed). */
export function encodeFrame(f: Frame): Buffer {
  switch (f.kind) {
    case 'data': {
      if (f.data.length > MAX_LENGTH) throw new ProtocolError('frame too large');
      const h = u32(f.streamId & 0x7fffffff, f.data.length);
      h[4] = f.flags;
      return Buffer.concat([h, f.data]);
    }
    case 'synStream': {
      const fixed = Buffer.concat([u32(f.streamId & 0x7fffffff, f.associatedId & 0x7fffffff), Buffer.from([(f.priority & 7) << 5, 0])]);
      return control(frameType.synStream, f.flags, Buffer.concat([fixed, f.headerBlock]));
    }
    case 'synReply':
      return control(frameType.synReply, f.flags, Buffer.concat([u32(f.streamId & 0x7fffffff), f.headerBlock]));
    case 'headers':
      return control(frameType.headers, f.flags, Buffer.concat([u32(f.streamId & 0x7fffffff), f.headerBlock]));
    case 'rstStream':
      return control(frameType.rstStream, 0, u32(f.streamId & 0x7fffffff, f.status));
    case 'settings': {
      const entries = f.entries.map((e) => u32(((e.flags & 0xff) << 24) | (e.id & 0xffffff), e.value));
      return control(frameType.settings, f.flags, Buffer.concat([u32(f.entries.length), ...entries]));
    }
    case 'ping':
      return control(frameType.ping, 0, u32(f.id));
    case 'goAway':
      return control(frameType.goAway, 0, u32(f.lastGoodStreamId & 0x7fffffff, f.status));
    case 'windowUpdate':
      return control(frameType.windowUpdate, 0, u32(f.streamId & 0x7fffffff, f.delta & 0x7fffffff));
    case 'unknown':
      return control(f.type, f.flags, f.payload);
  }
}

function need(payload: Buffer, n: number, what: string): void {
  if (payload.length < n) throw new ProtocolError(`${what} frame too short (${payload.length} bytes)`);
}

function decodeControl(type: number, fl: number, p: Buffer): Frame {
  const id = (at: number): number => p.readUInt32BE(at) & 0x7fffffff;
  switch (type) {
    case frameType.synStream:
      need(p, 10, 'SYN_STREAM');
      return { kind: 'synStream', streamId: id(0), associatedId: id(4), priority: p[8]! >> 5, flags: fl, headerBlock: p.subarray(10) };
    case frameType.synReply:
      need(p, 4, 'SYN_REPLY');
      return { kind: 'synReply', streamId: id(0), flags: fl, headerBlock: p.subarray(4) };
    case frameType.headers:
      need(p, 4, 'HEADERS');
      return { kind: 'headers', streamId: id(0), flags: fl, headerBlock: p.subarray(4) };
    case frameType.rstStream:
      need(p, 8, 'RST_STREAM');
      return { kind: 'rstStream', streamId: id(0), status: p.readUInt32BE(4) };
    case frameType.settings: {
      need(p, 4, 'SETTINGS');
      const n = p.readUInt32BE(0);
      need(p, 4 + 8 * n, 'SETTINGS');
      const entries = Array.from({ length: n }, (_, i) => ({ flags: p[4 + 8 * i]!, id: p.readUInt32BE(4 + 8 * i) & 0xffffff, value: p.readUInt32BE(8 + 8 * i) }));
      return { kind: 'settings', flags: fl, entries };
    }
    case frameType.ping:
      need(p, 4, 'PING');
      return { kind: 'ping', id: p.readUInt32BE(0) };
    case frameType.goAway:
      need(p, 8, 'GOAWAY');
      return { kind: 'goAway', lastGoodStreamId: id(0), status: p.readUInt32BE(4) };
    case frameType.windowUpdate:
      need(p, 8, 'WINDOW_UPDATE');
      return { kind: 'windowUpdate', streamId: id(0), delta: p.readUInt32BE(4) & 0x7fffffff };
    default:
      return { kind: 'unknown', type, flags: fl, payload: p };
  }
}

/** Cuts a byte stream into frames; bytes of an incomplete frame wait for the next push. */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: Frame[] = [];
    while (this.pending.length >= 8) {
      const length = this.pending.readUInt32BE(4) & 0xffffff;
      if (this.pending.length < 8 + length) break;
      const head = this.pending.subarray(0, 8);
      const payload = Buffer.from(this.pending.subarray(8, 8 + length));
      this.pending = this.pending.subarray(8 + length);
      const fl = head[4]!;
      if (head[0]! & 0x80) {
        const version = head.readUInt16BE(0) & 0x7fff;
        if (version !== VERSION) throw new ProtocolError(`unsupported SPDY version ${version}`);
        out.push(decodeControl(head.readUInt16BE(2), fl, payload));
      } else {
        const streamId = head.readUInt32BE(0) & 0x7fffffff;
        if (streamId === 0) throw new ProtocolError('stream id zero is disallowed');
        out.push({ kind: 'data', streamId, flags: fl, data: payload });
      }
    }
    return out;
  }
}

/** Name/value pairs -> an uncompressed header block (names lowercased, values of one name joined by NUL). */
export function encodeHeaderBlock(headers: Record<string, string | string[]>): Buffer {
  const parts: Buffer[] = [u32(Object.keys(headers).length)];
  for (const [name, value] of Object.entries(headers)) {
    const n = Buffer.from(name.toLowerCase());
    const v = Buffer.from(Array.isArray(value) ? value.join('\0') : value);
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

/** An uncompressed header block -> names (lowercase) to their values. */
export function decodeHeaderBlock(block: Buffer): Record<string, string[]> {
  let at = 0;
  const take = (n: number): Buffer => {
    if (at + n > block.length) throw new ProtocolError('truncated header block');
    const b = block.subarray(at, at + n);
    at += n;
    return b;
  };
  const count = take(4).readUInt32BE(0);
  const headers: Record<string, string[]> = {};
  for (let i = 0; i < count; i++) {
    const name = take(take(4).readUInt32BE(0)).toString();
    const value = take(take(4).readUInt32BE(0)).toString();
    if (name !== name.toLowerCase()) throw new ProtocolError('header was not lowercased');
    if (headers[name]) throw new ProtocolError('multiple headers with same name');
    headers[name] = value.split('\0');
  }
  return headers;
}
