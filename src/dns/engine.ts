// The answer engine: turns one DNS query into one reply. Header rules (opcode,
// question count, EDNS0), zone lookups with CNAME chasing, forwarding of names
// no zone owns, and per-rcode query counts.
import dnsPacket, { type Answer, type DecodedPacket, type Packet, type Question } from 'dns-packet';
import type { Forwarder } from './forwarder.js';
import { isValidName } from './names.js';
import { encodeReply, HEADER_BYTES, MIN_UDP, opcodeOf, optRecords, rcodeNumber, udpLimit } from './wire.js';
import type { Zone } from './zone.js';

export interface EngineOptions {
  /** Consulted in order; the first that owns a name answers it. */
  zones: Zone[];
  /** Where names no zone owns go; without one they are REFUSED. */
  forwarder?: Forwarder;
}

export interface EngineMetrics {
  queries: Record<string, number>;
  cacheEntries: number;
}

interface Resolution {
  rcode: string;
  authoritative: boolean;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
}

const MAX_CNAME_CHAIN = 8;
const OUR_UDP_PAYLOAD = 1232;
const BADVERS = 16;
const QUERY = 0;

export class AnswerEngine {
  private readonly zones: Zone[];
  private readonly forwarder?: Forwarder;
  private readonly counts = new Map<string, number>();

  constructor(opts: EngineOptions) {
    this.zones = opts.zones;
    this.forwarder = opts.forwarder;
  }

  metrics(): EngineMetrics {
    return { queries: Object.fromEntries(this.counts), cacheEntries: this.forwarder?.cacheSize ?? 0 };
  }

  /** The wire reply to a wire query over `transport`, or undefined when it deserves none (not a query header). */
  async respond(buf: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    if (buf.length < HEADER_BYTES || (buf[2]! & 0x80) !== 0) return undefined;
    let query: DecodedPacket;
    try {
      query = dnsPacket.decode(buf);
    } catch {
      const flags = buf.readUInt16BE(2) & 0x7fff;
      return encodeReply(this.reply({ id: buf.readUInt16BE(0), flags }, 'FORMERR', { questions: [] }), MIN_UDP);
    }
    const reply = await this.answer(query);
    try {
      return encodeReply(reply, transport === 'tcp' ? 65535 : udpLimit(query));
    } catch {
      return encodeReply(this.reply(query, 'SERVFAIL', { questions: [] }), MIN_UDP);
    }
  }

  /** The reply to a decoded query; never throws. */
  async answer(query: DecodedPacket | Packet): Promise<Packet> {
    try {
      return await this.decide(query);
    } catch {
      return this.reply(query, 'SERVFAIL', { questions: [] });
    }
  }

  private async decide(query: Packet): Promise<Packet> {
    if (opcodeOf(query.flags ?? 0) !== QUERY) return this.reply(query, 'NOTIMP');
    const opts = optRecords(query);
    const questions = query.questions ?? [];
    if (questions.length !== 1 || opts.length > 1 || !isValidName(questions[0]!.name)) return this.reply(query, 'FORMERR', { questions: [] });
    if (opts[0] && opts[0].ednsVersion > 0) return this.reply(query, 'BADVERS');
    const q = questions[0]!;
    if ((q.class ?? 'IN') !== 'IN' && q.class !== 'ANY') return this.reply(query, 'REFUSED');
    if (q.type === 'AXFR' || q.type === 'IXFR') return this.reply(query, 'REFUSED');
    const r = await this.resolve(q.name, q.type, 0);
    return this.reply(query, r.rcode, r);
  }

  private async resolve(name: string, type: string, depth: number): Promise<Resolution> {
    for (const zone of this.zones) {
      const z = zone.lookup(name, type);
      if (!z) continue;
      const r: Resolution = { rcode: z.rcode, authoritative: true, answers: [...z.answers], authorities: z.authorities ?? [], additionals: z.additionals ?? [] };
      if (z.alias !== undefined && depth < MAX_CNAME_CHAIN) {
        // As CoreDNS: the CNAME stands on its own when its target does not resolve.
        const target = await this.resolve(z.alias, type, depth + 1);
        if (target.rcode === 'NOERROR') r.answers.push(...target.answers);
      }
      return r;
    }
    if (!this.forwarder) return { rcode: 'REFUSED', authoritative: false, answers: [], authorities: [], additionals: [] };
    try {
      return { ...(await this.forwarder.lookup(name, type)), authoritative: false };
    } catch {
      return { rcode: 'SERVFAIL', authoritative: false, answers: [], authorities: [], additionals: [] };
    }
  }

  private reply(query: Packet, rcode: string, sections: Partial<Resolution> & { questions?: Question[] } = {}): Packet {
    this.counts.set(rcode, (this.counts.get(rcode) ?? 0) + 1);
    const opt = optRecords(query).length > 0 || rcode === 'BADVERS';
    const code = rcode === 'BADVERS' ? BADVERS : rcodeNumber(rcode);
    const flags =
      (opcodeOf(query.flags ?? 0) << 11) |
      (sections.authoritative ? dnsPacket.AUTHORITATIVE_ANSWER : 0) |
      ((query.flags ?? 0) & (dnsPacket.RECURSION_DESIRED | dnsPacket.CHECKING_DISABLED)) |
      (this.forwarder && !sections.authoritative ? dnsPacket.RECURSION_AVAILABLE : 0) |
      (code & 0xf);
    const additionals = sections.additionals ?? [];
    return {
      type: 'response',
      id: query.id,
      flags,
      questions: sections.questions ?? query.questions ?? [],
      answers: sections.answers ?? [],
      authorities: sections.authorities ?? [],
      additionals: opt
        ? [...additionals, { name: '.', type: 'OPT', udpPayloadSize: OUR_UDP_PAYLOAD, extendedRcode: code >> 4, ednsVersion: 0, flags: 0, flag_do: false, options: [] }]
        : additionals,
    };
  }
}
