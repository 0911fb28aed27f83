// The proxier end to end below the kernel: a real API server and informers, the real nftables
// backend, and a command runner that records what would be sent to nft instead of running it.
import test, { type ExecutionContext } from 'ava';
import type { Exec } from '../../../../src/agent/proxy/exec.js';
import { NftablesBackend } from '../../../../src/agent/proxy/nftables/backend.js';
import { baseChains } from '../../../../src/agent/proxy/nftables/render.js';
import { fullSyncReason, Proxier } from '../../../../src/agent/proxy/proxier.js';
import { types } from '../../../../src/api/resources.js';
import type { EndpointSlice, Service } from '../../../../src/api/types.js';
import type { RunResult } from '../../../../src/net/run.js';
import { startApiServer } from '../../../helpers/apiserver.js';
import { waitFor } from '../../../helpers/lab.js';
import { FakeClock } from '../../../helpers/fake-clock.js';
import { node } from './fixtures.js';

interface Recorder {
  calls: { argv: string[]; input?: string }[];
  /** Answers by command line; default: success with nft's empty JSON listing. */
  answer: (argv: string[]) => RunResult | undefined;
  exec: Exec;
  /** Full syncs list the table's sets (the canary never does). */
  listings(): number;
  /** The nft -f inputs sent. */
  transactions(): string[];
}

// A healthy kernel's chain listing: the table's base chains are there (the canary's chain check).
const chains = JSON.stringify({ nftables: baseChains.map((c) => ({ chain: { family: 'ip', table: 'kube-proxy', name: c.name } })) });

function recorder(): Recorder {
  const r: Recorder = {
    calls: [],
    answer: () => undefined,
    exec: async (cmd, args, input) => {
      const argv = [cmd, ...args];
      r.calls.push({ argv, ...(input === undefined ? {} : { input }) });
      return r.answer(argv) ?? { exitCode: 0, stdout: argv.join(' ') === 'nft -j list chains ip' ? chains : '{"nftables": []}', stderr: '' };
    },
    listings: () => r.calls.filter((c) => c.argv.join(' ') === 'nft -j -t list sets ip').length,
    transactions: () => r.calls.filter((c) => c.argv.join(' ') === 'nft -f -').map((c) => c.input!),
  };
  return r;
}

const slice = (svc: string, ips: string[]): EndpointSlice =>
  ({
    metadata: { name: `${svc}-abc`, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
  }) as EndpointSlice;

async function setup(t: ExecutionContext) {
  const api = await startApiServer(t);
  for (const name of ['web', 'db']) {
    await api.client.create(types.services, { metadata: { name }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] } } as Service, 'default');
    await api.client.create(types.endpointslices, slice(name, name === 'web' ? ['10.244.1.5', '10.244.2.6'] : ['10.244.3.7']), 'default');
  }
  const clock = new FakeClock();
  const rec = recorder();
  const flows: string[][][] = [];
  const proxier = new Proxier({
    client: api.client,
    node,
    backend: new NftablesBackend({ run: rec.exec, staleChainDelayMs: 0 }),
    clock,
    clearFlows: async (f) => void flows.push(f),
  });
  t.teardown(() => proxier.stop());
  await proxier.start();
  await clock.advance(0);
  return { api, clock, rec, proxier, flows };
}

test('the first sync is full; the periodic sync every 30 s is partial and lists nothing', async (t) => {
  const { clock, rec, proxier } = await setup(t);
  t.is(proxier.metrics.fullSyncs, 1);
  t.is(rec.listings(), 1, 'the full sync listed the table to find leftovers');
  t.regex(rec.transactions()[0]!, /add table ip kube-proxy/);
  t.regex(rec.transactions()[0]!, /default\/web\/tcp\/http/);
  await clock.advance(30_000);
  t.is(proxier.metrics.syncs, 2);
  t.is(proxier.metrics.fullSyncs, 1, 'periodic syncs are partial (kube-proxy since 1.28)');
  t.is(rec.listings(), 1);
  const canary = ['nft list set ip kube-proxy nodeport-ips', 'nft -j list chains ip'];
  t.deepEqual(rec.calls.slice(3).filter((c) => c.argv.includes('list') && !canary.includes(c.argv.join(' '))), [], 'nothing but the canary was listed');
});

test("a changed EndpointSlice makes a partial sync that rewrites only that service's chains", async (t) => {
  const { api, clock, rec, proxier } = await setup(t);
  const before = rec.transactions().length;
  const latencies = proxier.metrics.programmingLatency.recent.length;
  const current = await api.client.get<EndpointSlice>(types.endpointslices, 'web-abc', 'default');
  await api.client.update(types.endpointslices, { ...current, endpoints: [...current.endpoints, { addresses: ['10.244.1.9'], conditions: { ready: true } }] });
  await waitFor('the change to be synced', async () => {
    await clock.advance(100);
    return proxier.metrics.syncs > 1;
  });
  t.is(proxier.metrics.fullSyncs, 1);
  const sent = rec.transactions().slice(before).join('\n');
  t.regex(sent, /numgen random mod 3/);
  t.regex(sent, /10\.244\.1\.9/);
  t.notRegex(sent, /default\/db\//, 'the unchanged service is not touched');
  t.notRegex(sent, /add table/);
  t.is(rec.listings(), 1);
  t.is(proxier.metrics.programmingLatency.recent.length, latencies + 1, 'network programming latency was recorded');
});

test('a tampered table (canary gone) makes the next sync full', async (t) => {
  const { clock, rec, proxier } = await setup(t);
  rec.answer = (argv) => (argv.join(' ') === 'nft list set ip kube-proxy nodeport-ips' ? { exitCode: 1, stdout: '', stderr: 'Error: No such file or directory' } : undefined);
  await clock.advance(10_000);
  await waitFor('a full resync', async () => {
    await clock.advance(100);
    return proxier.metrics.fullSyncs === 2;
  });
  t.is(rec.listings(), 2);
  t.regex(rec.transactions().at(-1)!, /add table ip kube-proxy/);
});

test('after a failed sync the retry is full, and nothing pending is lost', async (t) => {
  const { api, clock, rec, proxier } = await setup(t);
  let failures = 1;
  rec.answer = (argv) => (argv.join(' ') === 'nft -f -' && failures-- > 0 ? { exitCode: 1, stdout: '', stderr: 'Error: Could not process rule' } : undefined);
  await api.client.delete(types.services, 'db', 'default');
  await waitFor('the retry', async () => {
    await clock.advance(200);
    return proxier.metrics.fullSyncs === 2;
  });
  t.is(proxier.metrics.syncErrors, 1);
  const retry = rec.transactions().at(-1)!;
  t.regex(retry, /add table ip kube-proxy/);
  t.notRegex(retry, /add chain ip kube-proxy service-\S+-default\/db\//, 'the deleted service is gone from the rewrite');
});

test('a full sync at most once per full sync period (1 h) when nothing else asks for one', async (t) => {
  const { clock, proxier } = await setup(t);
  await clock.advance(3_570_000);
  t.is(proxier.metrics.fullSyncs, 1);
  await clock.advance(30_000);
  t.is(proxier.metrics.fullSyncs, 2, 'the first periodic sync an hour after the last full one is full');
  await clock.advance(30_000);
  t.is(proxier.metrics.fullSyncs, 2);
});

test('fullSyncReason: requested, after a failure, or when the full sync period has passed', (t) => {
  const base = { reason: 'periodic' as const, needFull: false, now: 1000, lastFull: 0, fullSyncPeriodMs: 3_600_000 };
  t.is(fullSyncReason(base), undefined);
  t.is(fullSyncReason({ ...base, reason: 'requested' }), undefined);
  t.is(fullSyncReason({ ...base, needFull: true }), 'requested');
  t.is(fullSyncReason({ ...base, reason: 'retry' }), 'after a failed sync');
  t.is(fullSyncReason({ ...base, now: 3_600_000 }), 'full sync period');
  t.is(fullSyncReason({ ...base, fullPeriodicSync: true }), 'periodic (the backend reconciles every period)', "IPVS: upstream's proxier reconciles on every sync");
  t.is(fullSyncReason({ ...base, reason: 'requested', fullPeriodicSync: true }), undefined);
});

test('a UDP endpoint that leaves gets its conntrack flows deleted after the sync', async (t) => {
  const { api, clock, proxier, flows } = await setup(t);
  await api.client.create(types.services, { metadata: { name: 'dns' }, spec: { ports: [{ name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' }] } } as Service, 'default');
  const dns = (ips: string[]): EndpointSlice => ({ ...slice('dns', ips), ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }) as EndpointSlice;
  await api.client.create(types.endpointslices, dns(['10.244.1.20', '10.244.2.20']), 'default');
  await waitFor('dns synced', async () => {
    await clock.advance(100);
    return flows.length > 0;
  });
  const current = await api.client.get<EndpointSlice>(types.endpointslices, 'dns-abc', 'default');
  await api.client.update(types.endpointslices, { ...current, endpoints: current.endpoints.slice(0, 1) });
  const svc = await api.client.get<Service>(types.services, 'dns', 'default');
  await waitFor('the stale flows deleted', async () => {
    await clock.advance(100);
    return flows.flat().some((f) => f.join(' ') === `-D -p udp --orig-dst ${svc.spec.clusterIP} --dst-nat 10.244.2.20`);
  });
  t.true(proxier.metrics.syncs >= 3);
});
