// Append-only write-ahead log with group commit: every record handed to append()
// is on disk (fdatasync) before its promise resolves; records arriving while a
// flush is running share the next flush, so throughput does not pay one fsync per write.
import fs from 'node:fs';
import { promisify } from 'node:util';

const write = promisify(fs.write);
const fdatasync = promisify(fs.fdatasync);

export interface WalRecord {
  rv: number;
  op: 'put' | 'del';
  type: string; // resource type key
  key: string; // "ns/name" or "name"
  obj: unknown;
}

export class WriteAheadLog {
  private fd: number;
  private pending: { line: string; resolve: () => void; reject: (e: Error) => void }[] = [];
  private flushing = false;
  records = 0;
  /** Runs after a flush, while no write is in flight: the only safe moment to truncate. */
  afterFlush: (() => void) | undefined;

  constructor(readonly file: string) {
    this.fd = fs.openSync(file, 'a', 0o600);
    fs.fchmodSync(this.fd, 0o600); // every object (Secrets too) is in here; a log from an older lab may be 0644
  }

  /** Reads every complete record; a torn last line (crash mid-write) is cut off. */
  static read(file: string): WalRecord[] {
    if (!fs.existsSync(file)) return [];
    const text = fs.readFileSync(file, 'utf8');
    const out: WalRecord[] = [];
    let offset = 0;
    for (const line of text.split('\n')) {
      if (line.length === 0) {
        offset += 1;
        continue;
      }
      try {
        out.push(JSON.parse(line) as WalRecord);
        offset += Buffer.byteLength(line) + 1;
      } catch {
        fs.truncateSync(file, offset);
        break;
      }
    }
    return out;
  }

  closed = false;

  /** Queues a record; throws at once (nothing queued) when the record cannot be serialized. */
  append(record: WalRecord): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    const line = JSON.stringify(record) + '\n';
    this.records++;
    return new Promise((resolve, reject) => {
      this.pending.push({ line, resolve, reject });
      if (!this.flushing) setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    if (this.flushing || this.pending.length === 0) return;
    this.flushing = true;
    const batch = this.pending;
    this.pending = [];
    try {
      const data = Buffer.from(batch.map((p) => p.line).join(''));
      let written = 0;
      while (written < data.length) written += (await write(this.fd, data, written, data.length - written)).bytesWritten;
      await fdatasync(this.fd);
      for (const p of batch) p.resolve();
      this.afterFlush?.();
    } catch (e) {
      for (const p of batch) p.reject(e as Error);
    } finally {
      this.flushing = false;
      if (this.closed) fs.closeSync(this.fd); // closed while this flush ran
      else if (this.pending.length > 0) void this.flush();
    }
  }

  /** Empties the log after a snapshot has made its records redundant; call only from afterFlush. */
  truncate(): void {
    fs.ftruncateSync(this.fd, 0);
    this.records = 0;
  }

  close(): void {
    this.closed = true;
    for (const p of this.pending.splice(0)) p.reject(new Error('the store is closed'));
    if (!this.flushing) fs.closeSync(this.fd);
  }
}
