import test from 'ava';
import zlib from 'node:zlib';
import { HeaderCompressor, HeaderDecompressor } from '../../../../../../src/agent/kubelet/streaming/spdy/compression.js';
import { headerDictionary } from '../../../../../../src/agent/kubelet/streaming/spdy/dictionary.js';
import { decodeHeaderBlock, encodeFrame, encodeHeaderBlock, FrameReader, ProtocolError, type Frame } from '../../../../../../src/agent/kubelet/streaming/spdy/frames.js';

function adler32(b: Buffer): number {
  let a = 1;
  let s = 0;
  for (const byte of b) {
    a = (a + byte) % 65521;
    s = (s + a) % 65521;
  }
  return ((s << 16) | a) >>> 0;
}

test('the dictionary is the one of SPDY/3: 1423 bytes, adler32 0xe3c6a7c2', (t) => {
  t.is(headerDictionary.length, 1423);
  t.is(adler32(headerDictionary), 0xe3c6a7c2);
});

test('a data frame: stream id, flags, 24-bit length, payload', (t) => {
  const b = encodeFrame({ kind: 'data', streamId: 5, flags: 1, data: Buffer.from('hi') });
  t.deepEqual([...b], [0, 0, 0, 5, 1, 0, 0, 2, 0x68, 0x69]);
});

test('control frames carry version 3 and their type; the reader gives them back', (t) => {
  const frames: Frame[] = [
    { kind: 'synStream', streamId: 1, associatedId: 0, priority: 0, flags: 0, headerBlock: Buffer.from([1, 2, 3]) },
    { kind: 'synReply', streamId: 1, flags: 0, headerBlock: Buffer.from([9]) },
    { kind: 'rstStream', streamId: 3, status: 5 },
    { kind: 'settings', flags: 0, entries: [{ flags: 1, id: 7, value: 65536 }] },
    { kind: 'ping', id: 1 },
    { kind: 'goAway', lastGoodStreamId: 7, status: 0 },
    { kind: 'windowUpdate', streamId: 1, delta: 1000 },
    { kind: 'data', streamId: 1, flags: 1, data: Buffer.alloc(0) },
  ];
  const wire = Buffer.concat(frames.map(encodeFrame));
  t.deepEqual([...wire.subarray(0, 4)], [0x80, 0x03, 0x00, 0x01]); // SYN_STREAM header
  t.deepEqual([...encodeFrame({ kind: 'ping', id: 1 })], [0x80, 3, 0, 6, 0, 0, 0, 4, 0, 0, 0, 1]);
  // Fed one byte at a time: frames come out whole, in order.
  const reader = new FrameReader();
  const out: Frame[] = [];
  for (const byte of wire) out.push(...reader.push(Buffer.from([byte])));
  t.deepEqual(out, frames);
});

test('a frame of another SPDY version or a data frame on stream 0 is a protocol error', (t) => {
  const v2 = Buffer.from([0x80, 0x02, 0x00, 0x06, 0, 0, 0, 4, 0, 0, 0, 1]);
  t.throws(() => new FrameReader().push(v2), { instanceOf: ProtocolError, message: /version 2/ });
  t.throws(() => new FrameReader().push(Buffer.from([0, 0, 0, 0, 0, 0, 0, 0])), { instanceOf: ProtocolError });
  const shortRst = Buffer.from([0x80, 3, 0, 3, 0, 0, 0, 4, 0, 0, 0, 1]);
  t.throws(() => new FrameReader().push(shortRst), { message: /RST_STREAM frame too short/ });
});

test('header blocks: count, then length-prefixed lowercase names and NUL-joined values', (t) => {
  const block = encodeHeaderBlock({ StreamType: 'error', port: '80', requestID: '0' });
  t.is(block.readUInt32BE(0), 3);
  t.is(block.readUInt32BE(4), 'streamtype'.length);
  t.is(block.subarray(8, 18).toString(), 'streamtype');
  t.deepEqual(decodeHeaderBlock(block), { streamtype: ['error'], port: ['80'], requestid: ['0'] });
  t.deepEqual(decodeHeaderBlock(encodeHeaderBlock({ a: ['1', '2'] })), { a: ['1', '2'] });
  t.throws(() => decodeHeaderBlock(block.subarray(0, 10)), { message: 'truncated header block' });
});

test('compressed header blocks share one zlib stream per direction, primed with the dictionary', async (t) => {
  const c = new HeaderCompressor();
  const d = new HeaderDecompressor();
  const first = await c.compress({ streamtype: 'data', port: '80', requestid: '0' });
  const second = await c.compress({ streamtype: 'error', port: '80', requestid: '1' });
  // The first block names the dictionary (FDICT with its adler32), as Go's zlib writer does.
  t.is(first[1]! & 0x20, 0x20);
  t.is(first.readUInt32BE(2), 0xe3c6a7c2);
  // Each block ends in a sync flush, so it decodes alone given the blocks before it.
  t.deepEqual([...first.subarray(-4)], [0, 0, 0xff, 0xff]);
  t.deepEqual(await d.decompress(first), { streamtype: ['data'], port: ['80'], requestid: ['0'] });
  t.deepEqual(await d.decompress(second), { streamtype: ['error'], port: ['80'], requestid: ['1'] });
  // The second block relies on the first: alone it does not inflate.
  t.throws(() => zlib.inflateSync(second, { dictionary: headerDictionary }));
  c.close();
  d.close();
});
