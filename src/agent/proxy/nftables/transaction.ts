// One `nft -f -` input for table `ip kube-proxy`, written line by line like
// knftables does; the kernel applies the whole file atomically or not at all.

export const family = 'ip';
export const table = 'kube-proxy';
const t = `${family} ${table}`;

export interface Element {
  /** Key parts, joined with " . ". */
  key: string[];
  /** Verdict for maps ("goto chain", "drop"), undefined for sets. */
  value?: string;
  comment?: string;
}

const quote = (text: string): string => `"${text.replaceAll('"', "'")}"`;

export class Transaction {
  readonly lines: string[] = [];
  /** Rules and elements added or deleted (for SyncResult.rulesWritten). */
  written = 0;
  /** Rules added. */
  rules = 0;

  addTable(comment: string): void {
    this.lines.push(`add table ${t} { comment ${quote(comment)} ; }`);
  }

  addChain(name: string, spec?: { type: string; hook: string; priority: number }, comment?: string): void {
    const parts = [spec ? `type ${spec.type} hook ${spec.hook} priority ${spec.priority} ;` : '', comment ? `comment ${quote(comment)} ;` : ''].filter(Boolean);
    this.lines.push(`add chain ${t} ${name}${parts.length ? ` { ${parts.join(' ')} }` : ''}`);
  }

  flushChain(name: string): void {
    this.lines.push(`flush chain ${t} ${name}`);
  }

  deleteChain(name: string): void {
    this.lines.push(`delete chain ${t} ${name}`);
  }

  addRule(chain: string, rule: string, comment?: string): void {
    this.written++;
    this.rules++;
    this.lines.push(`add rule ${t} ${chain} ${rule}${comment ? ` comment ${quote(comment)}` : ''}`);
  }

  /** A set (value undefined) or verdict map; flags/timeout for the affinity sets. */
  addSet(kind: 'set' | 'map', name: string, type: string, opts: { comment?: string; flags?: string; timeoutSeconds?: number } = {}): void {
    const parts = [`type ${type} ;`];
    if (opts.flags) parts.push(`flags ${opts.flags} ;`);
    if (opts.timeoutSeconds !== undefined) parts.push(`timeout ${opts.timeoutSeconds}s ;`);
    if (opts.comment) parts.push(`comment ${quote(opts.comment)} ;`);
    this.lines.push(`add ${kind} ${t} ${name} { ${parts.join(' ')} }`);
  }

  flushSet(kind: 'set' | 'map', name: string): void {
    this.lines.push(`flush ${kind} ${t} ${name}`);
  }

  deleteSet(kind: 'set' | 'map', name: string): void {
    this.lines.push(`delete ${kind} ${t} ${name}`);
  }

  addElement(container: string, e: Element): void {
    this.written++;
    const comment = e.comment ? ` comment ${quote(e.comment)}` : '';
    const value = e.value === undefined ? '' : ` : ${e.value}`;
    this.lines.push(`add element ${t} ${container} { ${e.key.join(' . ')}${comment}${value} }`);
  }

  deleteElement(container: string, key: string[]): void {
    this.written++;
    this.lines.push(`delete element ${t} ${container} { ${key.join(' . ')} }`);
  }

  text(): string {
    return this.lines.length ? `${this.lines.join('\n')}\n` : '';
  }
}
