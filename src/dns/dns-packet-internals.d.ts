// Parts of dns-packet that its published types leave out, used by message.ts.
import 'dns-packet';

declare module 'dns-packet' {
  interface RecordCodec {
    /** Writes RDLENGTH and RDATA at offset; `bytes` is how many were written. */
    encode: ((data: unknown, buf: Buffer, offset: number) => Buffer) & { bytes: number };
    encodingLength(data: unknown): number;
  }
  export function record(type: string): RecordCodec;
  export const opt: RecordCodec;
}
