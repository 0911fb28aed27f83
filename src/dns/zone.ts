// What an authoritative source of records (the cluster zone, a static zone file)
// gives the answer engine.
import type { Answer } from 'dns-packet';

export interface ZoneAnswer {
  rcode: 'NOERROR' | 'NXDOMAIN';
  answers: Answer[];
  authorities?: Answer[];
  additionals?: Answer[];
  /** A CNAME target the engine resolves further for the question's type (ExternalName). */
  alias?: string;
}

export interface Zone {
  /** The answer for a question, or undefined when the name is not this zone's (the engine forwards it). */
  lookup(qname: string, type: string): ZoneAnswer | undefined;
}
