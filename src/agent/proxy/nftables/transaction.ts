// One `nft -f -` input for one table (`ip kube-proxy` by default), written
// line by line like knftables does; the kernel applies the whole file
// atomically or not at all.

export const family = 'ip';
export const table = 'kube-proxy';

export interface Element {
  /** Key parts, joined with " . ". */
  key: string[];
  /** Verdict for maps ("goto chain", "drop"), undefined for sets. */
  value?: string;
  comment?: string;
}

const quote = (text: string): string => `"${text.replaceAll('"', "'")}"`;

export class Transaction {
  private readonly lines: string[] = [];
  private readonly t: string;
  /** Rules and elements added or deleted (for SyncResult.rulesWritten). */
  written = 0;
  /** Rules added. */
  rules = 0;

  /** Batched element changes per container: deletes, then adds. */
  private readonly deletes = new Map<string, string[]>();
  private readonly adds = new Map<string, string[]>();

  /**
   * batchElements: element changes are sent after every other line, as one delete and one add statement per
   * container (nft parses one big statement far faster than many). Right when each key is deleted at most
   * once and added at most once, and the containers exist before.
   */
  constructor(tableName = table, private readonly batchElements = false) {
    this.t = `${family} ${tableName}`;
  }

  addTable(comment: string): void {
    this.lines.push(`add table ${this.t} { comment ${quote(comment)} ; }`);
  }

  addChain(name: string, spec?: { type: string; hook: string; priority: number }, comment?: string): void {
    const parts = [spec ? `type ${spec.type} hook ${spec.hook} priority ${spec.priority} ;` : '', comment ? `comment ${quote(comment)} ;` : ''].filter(Boolean);
    this.lines.push(`add chain ${this.t} ${name}${parts.length ? ` { ${parts.join(' ')} }` : ''}`);
  }

  flushChain(name: string): void {
    this.lines.push(`flush chain ${this.t} ${name}`);
  }

  deleteChain(name: string): void {
    this.lines.push(`delete chain ${this.t} ${name}`);
  }

  addRule(chain: string, rule: string, comment?: string): void {
    this.written++;
    this.rules++;
    this.lines.push(`add rule ${this.t} ${chain} ${rule}${comment ? ` comment ${quote(comment)}` : ''}`);
  }

  /** A set (value undefined) or verdict map; flags/timeout for the affinity sets. */
  addSet(kind: 'set' | 'map', name: string, type: string, opts: { comment?: string; flags?: string; timeoutSeconds?: number; size?: number; counter?: boolean } = {}): void {
    const parts = [`type ${type} ;`];
    if (opts.flags) parts.push(`flags ${opts.flags} ;`);
    if (opts.timeoutSeconds !== undefined) parts.push(`timeout ${opts.timeoutSeconds}s ;`);
    if (opts.size !== undefined) parts.push(`size ${opts.size} ;`);
    // A counter on every element: per-endpoint packet counts without per-endpoint rules.
    if (opts.counter) parts.push('counter ;');
    if (opts.comment) parts.push(`comment ${quote(opts.comment)} ;`);
    this.lines.push(`add ${kind} ${this.t} ${name} { ${parts.join(' ')} }`);
  }

  flushSet(kind: 'set' | 'map', name: string): void {
    this.lines.push(`flush ${kind} ${this.t} ${name}`);
  }

  deleteSet(kind: 'set' | 'map', name: string): void {
    this.lines.push(`delete ${kind} ${this.t} ${name}`);
  }

  addElement(container: string, e: Element): void {
    this.written++;
    const comment = e.comment ? ` comment ${quote(e.comment)}` : '';
    const value = e.value === undefined ? '' : ` : ${e.value}`;
    this.element('add', container, `${e.key.join(' . ')}${comment}${value}`);
  }

  deleteElement(container: string, key: string[]): void {
    this.written++;
    this.element('delete', container, key.join(' . '));
  }

  private element(op: 'add' | 'delete', container: string, item: string): void {
    if (!this.batchElements) return void this.lines.push(`${op} element ${this.t} ${container} { ${item} }`);
    const batch = op === 'add' ? this.adds : this.deletes;
    const items = batch.get(container);
    if (items) items.push(item);
    else batch.set(container, [item]);
  }

  text(): string {
    const batched = [...this.deletes].map(([c, items]) => `delete element ${this.t} ${c} { ${items.join(', ')} }`).concat([...this.adds].map(([c, items]) => `add element ${this.t} ${c} { ${items.join(', ')} }`));
    const all = batched.length ? [...this.lines, ...batched] : this.lines;
    return all.length ? `${all.join('\n')}\n` : '';
  }
}
