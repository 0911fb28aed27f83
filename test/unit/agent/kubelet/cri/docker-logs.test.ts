import test from 'ava';
import { dockerFrames, logLines, timestampNanos } from '../../../../../src/agent/kubelet/cri/docker-logs.js';

function frame(stream: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

test('frames are split on their headers and a partial frame is left for the next read', (t) => {
  const whole = Buffer.concat([frame(1, 'a\n'), frame(2, 'bb\n')]);
  const partial = Buffer.concat([whole, frame(1, 'ccc\n').subarray(0, 9)]);
  const f = dockerFrames(partial);
  t.deepEqual(f.payloads.map(String), ['a\n', 'bb\n']);
  t.is(f.consumed, whole.length);
});

test('timestamps keep nanoseconds, whatever number of digits Docker printed', (t) => {
  t.is(timestampNanos('2026-11-22T05:12:01.5Z') - timestampNanos('2026-11-22T05:12:01Z'), 500_000_000n);
  t.is(timestampNanos('2026-11-22T05:12:01.000000001Z') - timestampNanos('2026-11-22T05:12:01Z'), 1n);
  t.true(timestampNanos('2026-11-22T05:12:01.12Z') > timestampNanos('2026-11-22T05:12:01.1Z'));
});

test('lines stamped at or before what was already shown are skipped when following', (t) => {
  const f = dockerFrames(Buffer.concat([frame(1, '2026-11-22T05:12:01.1Z one\n'), frame(2, '2026-11-22T05:12:01.2Z two\n'), frame(1, '2026-11-22T05:12:02Z three\n')]));
  const all = logLines(f);
  t.is(all.text, 'one\ntwo\nthree\n');
  const after = logLines(f, timestampNanos('2026-11-22T05:12:01.2Z'));
  t.is(after.text, 'three\n');
  t.is(after.last, timestampNanos('2026-11-22T05:12:02Z'));
});
