// Docker's log stream for containers without a TTY: frames of an 8-byte header
// (stream, 0, 0, 0, big-endian length) and a payload; with timestamps=true each
// payload starts with an RFC 3339 nano timestamp and a space.

export interface Frames {
  payloads: Buffer[];
  /** Bytes of whole frames; a partial frame at the end is left for the next read. */
  consumed: number;
}

export function dockerFrames(buf: Buffer): Frames {
  const payloads: Buffer[] = [];
  let at = 0;
  while (buf.length - at >= 8) {
    const size = buf.readUInt32BE(at + 4);
    if (buf.length - at - 8 < size) break;
    payloads.push(buf.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return { payloads, consumed: at };
}

/** A TTY container's log stream: no frame headers, one stamped line after another. */
export function ttyFrames(buf: Buffer): Frames {
  const payloads: Buffer[] = [];
  let at = 0;
  for (let nl = buf.indexOf(10, at); nl >= 0; nl = buf.indexOf(10, at)) {
    payloads.push(buf.subarray(at, nl + 1));
    at = nl + 1;
  }
  return { payloads, consumed: at };
}

/** Nanoseconds since the epoch of "2026-11-22T05:12:01.123456789Z" (precise, unlike Date). */
export function timestampNanos(ts: string): bigint {
  const m = /^(.{19})(?:\.(\d{1,9}))?Z$/.exec(ts);
  if (!m) return -1n;
  return BigInt(Date.parse(`${m[1]}Z`)) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/** The text of the payloads stamped after `after` (ns), and the newest stamp seen. */
export function logLines(frames: Frames, after = -1n): { text: string; last: bigint } {
  let text = '';
  let last = after;
  for (const p of frames.payloads) {
    const s = p.toString('utf8');
    const space = s.indexOf(' ');
    const ns = timestampNanos(s.slice(0, space));
    if (ns <= after) continue;
    text += s.slice(space + 1);
    if (ns > last) last = ns;
  }
  return { text, last };
}
