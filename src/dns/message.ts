// Encodes DNS messages with name compression (RFC 1035 4.1.4), which
// dns-packet's encoder lacks: the A records of a headless service shrink to a
// third, so as many fit in a UDP reply as CoreDNS would send. Record data without
// names is still written by dns-packet's codecs; decoding stays with dns-packet.
import dnsPacket, { type Answer, type Packet } from 'dns-packet';
import { toClass } from 'dns-packet/classes.js';
import { toType } from 'dns-packet/types.js';

const QR = 0x8000;
const POINTER = 0xc000;
const MAX_POINTER_TARGET = 0x3fff;
const FLUSH = 0x8000;

/** dns-packet decodes classes it does not know as UNKNOWN_<n>; keep the number. */
function classNumber(name: string): number {
  const unknown = /^UNKNOWN_(\d+)$/.exec(name);
  return unknown ? Number(unknown[1]) : toClass(name);
}

class Writer {
  buf = Buffer.allocUnsafe(512);
  len = 0;
  /** name suffix (as written, so answers keep the question's case) -> offset */
  private readonly names = new Map<string, number>();

  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.len++] = v;
  }

  u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v & 0xffff, this.len);
    this.len += 2;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.len);
    this.len += 4;
  }

  /** Writes a name, pointing at an earlier copy of its longest known suffix when `compress`. */
  name(name: string, compress: boolean): void {
    let rest = name.endsWith('.') ? name.slice(0, -1) : name;
    while (rest) {
      const known = compress ? this.names.get(rest) : undefined;
      if (known !== undefined) return this.u16(POINTER | known);
      if (this.len <= MAX_POINTER_TARGET) this.names.set(rest, this.len);
      const dot = rest.indexOf('.');
      const label = dot < 0 ? rest : rest.slice(0, dot);
      const bytes = Buffer.byteLength(label);
      if (bytes === 0 || bytes > 63) throw new Error(`cannot encode name ${name}`);
      this.ensure(1 + bytes);
      this.buf[this.len++] = bytes;
      this.len += this.buf.write(label, this.len);
      rest = dot < 0 ? '' : rest.slice(dot + 1);
    }
    this.u8(0);
  }

  /** RDLENGTH placeholder, then `body`, then the length filled in. */
  rdata(body: () => void): void {
    const at = this.len;
    this.u16(0);
    body();
    this.buf.writeUInt16BE(this.len - at - 2, at);
  }

  codec(type: string, data: unknown): void {
    const codec = type === 'OPT' ? dnsPacket.opt : dnsPacket.record(type);
    this.ensure(codec.encodingLength(data));
    codec.encode(data, this.buf, this.len);
    this.len += codec.encode.bytes;
  }

  record(a: Answer): void {
    this.name(a.name, true);
    this.u16(toType(a.type));
    if (a.type === 'OPT') {
      this.u16(a.udpPayloadSize || 4096);
      this.u8(a.extendedRcode || 0);
      this.u8(a.ednsVersion || 0);
      this.u16(a.flags || 0);
      return this.codec('OPT', a.options ?? []);
    }
    this.u16(classNumber(a.class ?? 'IN') | (a.flush ? FLUSH : 0));
    this.u32(a.ttl ?? 0);
    switch (a.type) {
      case 'CNAME':
      case 'PTR':
      case 'NS':
        return this.rdata(() => this.name(a.data, true));
      case 'MX':
        return this.rdata(() => {
          this.u16(a.data.preference ?? 0);
          this.name(a.data.exchange, true);
        });
      case 'SOA':
        return this.rdata(() => {
          this.name(a.data.mname, true);
          this.name(a.data.rname, true);
          for (const v of [a.data.serial, a.data.refresh, a.data.retry, a.data.expire, a.data.minimum]) this.u32(v ?? 0);
        });
      default:
        return this.codec(a.type, a.data);
    }
  }
}

export function encodeMessage(p: Packet): Buffer {
  const w = new Writer();
  const sections = [p.answers ?? [], p.authorities ?? [], p.additionals ?? []];
  w.u16(p.id ?? 0);
  w.u16(((p.flags ?? 0) & 0x7fff) | (p.type === 'response' ? QR : 0));
  w.u16(p.questions?.length ?? 0);
  for (const s of sections) w.u16(s.length);
  for (const q of p.questions ?? []) {
    w.name(q.name, true);
    w.u16(toType(q.type));
    w.u16(classNumber(q.class ?? 'IN'));
  }
  for (const s of sections) for (const a of s) w.record(a);
  return w.buf.subarray(0, w.len);
}
