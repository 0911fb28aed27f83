// kube-proxy's chain-name hashing, shared by the iptables and nftables backends.
import { createHash } from 'node:crypto';

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
// Every sync names the same chains again: at 10k services hashing was the largest cost of a render.
const memo = new Map<string, string>();
const memoLimit = 200_000;

/** Base32 (RFC 4648, no padding needed here) of sha256(text). */
export function sha256Base32(text: string): string {
  const known = memo.get(text);
  if (known !== undefined) return known;
  const digest = createHash('sha256').update(text).digest();
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of digest) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  if (memo.size >= memoLimit) memo.clear();
  memo.set(text, out);
  return out;
}
