// Container logs kept in a file (the netns runtime's shim appends to it).
import fs from 'node:fs';
import type { LogReader } from './cri.js';

/** The bytes of file from offset on (the file may not exist yet). */
function readFrom(file: string, offset: number): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return Buffer.alloc(0);
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size <= offset) return Buffer.alloc(0);
    const buf = Buffer.alloc(size - offset);
    const n = fs.readSync(fd, buf, 0, buf.length, offset);
    return buf.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads what the file holds; follow() polls for more (every everyMs) until running() turns false. */
export function fileLogs(file: string, running: () => boolean, everyMs = 200): LogReader {
  let offset = 0;
  const read = (): string => {
    const chunk = readFrom(file, offset);
    offset += chunk.length;
    return chunk.toString('utf8');
  };
  return {
    text: read(),
    follow(onData, onEnd) {
      if (!running()) {
        onEnd();
        return () => undefined;
      }
      const timer = setInterval(() => {
        const more = read();
        if (more) onData(more);
        if (!running()) {
          clearInterval(timer);
          const rest = read();
          if (rest) onData(rest);
          onEnd();
        }
      }, everyMs);
      return () => clearInterval(timer);
    },
  };
}
