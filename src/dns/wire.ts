// DNS message framing concerns: rcode numbers, EDNS0 payload size, and fitting a
// reply into a UDP datagram (dropping additionals first, then setting TC).
import dnsPacket, { type DecodedPacket, type OptAnswer, type Packet } from 'dns-packet';
import { encodeMessage } from './message.js';

const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'];

export const HEADER_BYTES = 12;
export const MIN_UDP = 512;
const MAX_UDP = 4096;

/** dns-packet's `flags` are the header bits below QR: opcode, AA, TC, RD, RA, Z, AD, CD and rcode. */
export function opcodeOf(flags: number): number {
  return (flags >> 11) & 0xf;
}

export function rcodeNumber(name: string): number {
  const i = RCODES.indexOf(name);
  if (i >= 0) return i;
  const m = /^RCODE_(\d+)$/.exec(name);
  return m ? Number(m[1]) & 0xf : 2;
}

export function optRecords(p: Packet): OptAnswer[] {
  return (p.additionals ?? []).filter((a): a is OptAnswer => a.type === 'OPT');
}

/** The largest UDP reply a client accepts: its EDNS0 payload size, else 512 bytes. */
export function udpLimit(query: DecodedPacket): number {
  const opt = optRecords(query)[0];
  return opt ? Math.min(MAX_UDP, Math.max(MIN_UDP, opt.udpPayloadSize)) : MIN_UDP;
}

/** Encodes a reply within `limit` bytes; when the answer itself does not fit, keeps what fits and sets TC. */
export function encodeReply(reply: Packet, limit: number): Buffer {
  const full = encodeMessage(reply);
  if (full.length <= limit) return full;
  const opt = optRecords(reply);
  const withoutExtras = encodeMessage({ ...reply, additionals: opt });
  if (withoutExtras.length <= limit) return withoutExtras;
  const answers = reply.answers ?? [];
  const truncated = (n: number): Buffer =>
    encodeMessage({ ...reply, flags: (reply.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE, answers: answers.slice(0, n), authorities: [], additionals: opt });
  // Compressed sizes are not additive: search for the most answers that fit.
  let lo = 0;
  let hi = answers.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (truncated(mid).length <= limit) lo = mid;
    else hi = mid - 1;
  }
  return truncated(lo);
}
