// The repair loop of the shared allocation books (upstream's service IP and nodePort
// repair controllers): every stored Service's values are held for it, and a value held
// for a Service that does not hold it (a write that failed in doubt, an API server
// killed between the allocation and the write) is released once it is older than any
// write in flight could be. Every API server runs it: each step is a guarded write, so
// two of them at once do no harm.
import type { Service } from '../../api/types.js';
import type { ObjectStore } from '../store.js';
import type { AllocationBook } from './allocator.js';
import { clusterIPsOf, nodePortsOf, type ServiceAllocations } from './service-allocations.js';
import { StoreBook } from './store-book.js';

/** A held value younger than this may belong to a write still in flight (the etcd store waits 30 s for its echo). */
const leakGraceMs = 60_000;
const repairEveryMs = 60_000;

export async function repairAllocations(store: ObjectStore, allocations: ServiceAllocations, now = Date.now()): Promise<{ claimed: number; released: number }> {
  const { ips, ports } = allocations;
  if (!(ips instanceof StoreBook) || !(ports instanceof StoreBook)) return { claimed: 0, released: 0 };
  await store.sync?.();
  const services = store.list('core/services') as Service[];
  let claimed = 0;
  let released = 0;
  const wants = new Map<AllocationBook, Map<number, Service>>([
    [ips, new Map()],
    [ports, new Map()],
  ]);
  for (const svc of services) {
    for (const ip of clusterIPsOf(svc)) {
      const o = allocations.ipOffset(ip);
      if (o !== undefined) wants.get(ips)!.set(o, svc);
    }
    for (const p of nodePortsOf(svc)) wants.get(ports)!.set(allocations.portOffset(p), svc);
  }
  for (const book of [ips, ports]) {
    const want = wants.get(book)!;
    for (const [offset, svc] of want) {
      if (book.has(offset) || !book.inRange(offset)) continue;
      if (await book.take(offset, { namespace: svc.metadata.namespace, name: svc.metadata.name, uid: svc.metadata.uid })) claimed++;
    }
    for (const held of book.held()) {
      const offset = book.offsetOf(held.metadata.name!);
      if (offset === undefined || !book.inRange(offset)) continue;
      const holder = want.get(offset);
      if (holder && (!held.owner.uid || holder.metadata.uid === held.owner.uid)) continue;
      if (holder) {
        // Stored Services win: the value is held for the one that has it.
        await book.release(offset, held.owner);
        if (await book.take(offset, { namespace: holder.metadata.namespace, name: holder.metadata.name, uid: holder.metadata.uid })) claimed++;
        released++;
        continue;
      }
      const age = now - Date.parse(held.metadata.creationTimestamp ?? '');
      if (!(age > leakGraceMs)) continue;
      await book.release(offset, held.owner);
      released++;
    }
  }
  return { claimed, released };
}

/** Shared books only: repairs now, then every minute (unref'd: it never keeps the process alive). */
export async function startAllocationRepair(store: ObjectStore, allocations: ServiceAllocations): Promise<void> {
  if (!(allocations.ips instanceof StoreBook)) return; // in memory: rebuilt from the Services at start
  const run = async (): Promise<void> => {
    const r = await repairAllocations(store, allocations);
    if (r.claimed || r.released) console.log(`allocation repair: ${r.claimed} value(s) held for their Services, ${r.released} leaked value(s) released`);
  };
  const logged = (): Promise<void> => run().catch((e: Error) => console.error(`allocation repair: ${e.message}`));
  await logged(); // a failed pass never stops the API server: the next one comes a minute later
  setInterval(() => void logged(), repairEveryMs).unref();
}
