// SPDY/3 header blocks are compressed with one zlib stream per direction for the whole
// connection, primed with the SPDY dictionary, each block ending in a sync flush.
import zlib from 'node:zlib';
import { headerDictionary } from './dictionary.js';
import { decodeHeaderBlock, encodeHeaderBlock } from './frames.js';

/** Runs zlib work strictly in order: each block depends on the stream state the previous one left. */
abstract class Serial {
  private chain: Promise<unknown> = Promise.resolve();
  private out: Buffer[] = [];

  constructor(protected readonly z: zlib.Deflate | zlib.Inflate) {
    z.on('data', (d: Buffer) => this.out.push(d));
  }

  protected run(input: Buffer): Promise<Buffer> {
    const next = this.chain.then(
      () =>
        new Promise<Buffer>((resolve, reject) => {
          const onError = (e: Error): void => reject(e);
          this.z.once('error', onError);
          this.z.write(input);
          this.z.flush(zlib.constants.Z_SYNC_FLUSH, () => {
            this.z.off('error', onError);
            resolve(Buffer.concat(this.out.splice(0)));
          });
        }),
    );
    this.chain = next.catch(() => undefined);
    return next;
  }

  close(): void {
    this.z.close();
  }
}

export class HeaderCompressor extends Serial {
  constructor() {
    super(zlib.createDeflate({ dictionary: headerDictionary, level: zlib.constants.Z_BEST_COMPRESSION }));
  }

  compress(headers: Record<string, string | string[]>): Promise<Buffer> {
    return this.run(encodeHeaderBlock(headers));
  }
}

export class HeaderDecompressor extends Serial {
  constructor() {
    super(zlib.createInflate({ dictionary: headerDictionary }));
  }

  async decompress(block: Buffer): Promise<Record<string, string[]>> {
    return decodeHeaderBlock(await this.run(block));
  }
}
