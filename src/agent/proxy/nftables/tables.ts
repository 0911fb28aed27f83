// What both nft modes ask the kernel about their table, listing only what is
// needed: chains and sets without elements (listing rules would make nft load
// every element and chain of the table: seconds at 10k services).
import { CommandError } from '../../../net/run.js';
import { mustRun, type Exec } from '../exec.js';
import { family, type Transaction } from './transaction.js';

interface NftJson {
  nftables: Array<{ chain?: { table: string; name: string }; set?: { table: string; name: string; timeout?: number } }>;
}

export interface TableListing {
  chains: string[];
  /** Set names and their timeout in seconds (0: none). */
  sets: Map<string, number>;
}

/** The chains and sets (no elements) the kernel holds in table `ip <table>`. */
export async function listTable(exec: Exec, table: string): Promise<TableListing> {
  const chains = JSON.parse(await mustRun(exec, 'nft', ['-j', 'list', 'chains', family])) as NftJson;
  const sets = JSON.parse(await mustRun(exec, 'nft', ['-j', '-t', 'list', 'sets', family])) as NftJson;
  return {
    chains: chainsOf(chains, table),
    sets: new Map(sets.nftables.flatMap((o) => (o.set?.table === table ? [[o.set.name, o.set.timeout ?? 0] as const] : []))),
  };
}

/** The chain names of one table in `nft -j list chains` output. */
function chainsOf(listed: NftJson, table: string): string[] {
  return listed.nftables.flatMap((o) => (o.chain?.table === table ? [o.chain.name] : []));
}

/** The chains of `nft -j list chains ip`, or undefined when nft fails. */
export async function listChains(exec: Exec, table: string): Promise<string[] | undefined> {
  const r = await exec('nft', ['-j', 'list', 'chains', family]);
  return r.exitCode === 0 ? chainsOf(JSON.parse(r.stdout) as NftJson, table) : undefined;
}

/** kube-proxy --cleanup for an nft mode: the table goes; one already gone is fine. */
export async function deleteTable(exec: Exec, table: string): Promise<void> {
  const args = ['delete', 'table', family, table];
  const r = await exec('nft', args);
  if (r.exitCode !== 0 && !/No such file or directory/.test(r.stderr)) throw new CommandError(`nft ${args.join(' ')}`, r);
}

/** Base chains (type, hook, priority) created if missing and flushed, at the start of a full sync. */
export function addBaseChains(tx: Transaction, chains: { name: string; type: string; hook: string; priority: number }[]): void {
  for (const c of chains) {
    tx.addChain(c.name, c);
    tx.flushChain(c.name);
  }
}
