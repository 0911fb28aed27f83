// Container logs kept in a file (the netns runtime's shim appends to it).
import fs from 'node:fs';
import type { LogReader } from './cri.js';

/** Reads what the file holds; follow() polls for more until running() turns false. */
export function fileLogs(file: string, running: () => boolean): LogReader {
  let offset = 0;
  const read = (): string => {
    if (!fs.existsSync(file)) return '';
    const buf = fs.readFileSync(file);
    const chunk = buf.subarray(offset).toString('utf8');
    offset = buf.length;
    return chunk;
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
      }, 200);
      return () => clearInterval(timer);
    },
  };
}
