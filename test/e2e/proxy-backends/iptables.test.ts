import test from 'ava';
import { IptablesBackend } from '../../../src/agent/proxy/iptables/backend.js';
import { endpointChain, serviceChains } from '../../../src/agent/proxy/iptables/names.js';
import { parseIptablesSave, ruleTarget } from '../../../src/agent/proxy/iptables/save.js';
import { serviceKey } from '../../../src/agent/proxy/model.js';
import { e2e } from '../../helpers/root.js';
import { endpoint, node, servicePort } from '../../unit/agent/proxy/fixtures.js';
import { inNs, inside, iptablesSave, netns, nftTable, removeLeftoverNetns, rulesIn } from './netns.js';

const it = e2e(test);
it.after.always(removeLeftoverNetns);

const web = servicePort({ name: 'web', clusterIP: '10.96.0.10', nodePort: 30080, endpoints: ['10.244.1.10', '10.244.1.11', '10.244.1.12'].map((ip) => endpoint(ip)) });
const sticky = servicePort({ name: 'sticky', clusterIP: '10.96.0.30', sessionAffinity: 'ClientIP', stickyMaxAgeSeconds: 300, endpoints: [endpoint('10.244.1.10'), endpoint('10.244.1.11')] });
const empty = servicePort({ name: 'empty', clusterIP: '10.96.0.20' });
const services = [web, sticky, empty];
const webChains = serviceChains('ns1/web:p80', 'tcp');

it('the iptables backend loads kube-proxy jumps, chains, probabilities and DNAT targets into the kernel', async (t) => {
  const ns = await netns(t);
  const backend = new IptablesBackend({ exec: inNs(ns) });
  const result = await backend.sync({ node, services });
  const saved = await iptablesSave(ns);
  const filter = saved.get('filter');
  const nat = saved.get('nat');

  const targets = (table: typeof nat, chain: string): Array<string | undefined> => rulesIn(table, chain).map(ruleTarget);
  t.deepEqual(targets(filter, 'INPUT'), ['KUBE-PROXY-FIREWALL', 'KUBE-NODEPORTS', 'KUBE-EXTERNAL-SERVICES']);
  t.deepEqual(targets(filter, 'FORWARD'), ['KUBE-PROXY-FIREWALL', 'KUBE-FORWARD', 'KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES']);
  t.deepEqual(targets(filter, 'OUTPUT'), ['KUBE-PROXY-FIREWALL', 'KUBE-SERVICES']);
  t.deepEqual(targets(nat, 'PREROUTING'), ['KUBE-SERVICES']);
  t.deepEqual(targets(nat, 'OUTPUT'), ['KUBE-SERVICES']);
  t.deepEqual(targets(nat, 'POSTROUTING'), ['KUBE-POSTROUTING']);
  t.regex(rulesIn(filter, 'INPUT')[0]!, /--ctstate NEW -m comment --comment "kubernetes load balancer firewall"/);
  for (const table of ['mangle', 'nat', 'filter']) t.true(saved.get(table)?.chains.has('KUBE-PROXY-CANARY'), table);

  t.deepEqual(rulesIn(nat, 'KUBE-MARK-MASQ'), ['-j MARK --set-xmark 0x4000/0x4000']);
  t.deepEqual(rulesIn(nat, 'KUBE-POSTROUTING'), [
    '-m mark ! --mark 0x4000/0x4000 -j RETURN',
    '-j MARK --set-xmark 0x4000/0x0',
    '-m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
  ]);
  const dispatch = rulesIn(nat, 'KUBE-SERVICES');
  t.true(dispatch.includes(`-d 10.96.0.10/32 -p tcp -m comment --comment "ns1/web:p80 cluster IP" -m tcp --dport 80 -j ${webChains.cluster}`));
  t.is(dispatch.at(-1), '-m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS');
  t.deepEqual(rulesIn(nat, 'KUBE-NODEPORTS'), [`-p tcp -m comment --comment "ns1/web:p80" -m tcp --dport 30080 -j ${webChains.external}`]);

  const svc = rulesIn(nat, webChains.cluster);
  t.regex(svc[0]!, /^! -s 10\.244\.0\.0\/16 -d 10\.96\.0\.10\/32 .* -j KUBE-MARK-MASQ$/);
  // The kernel keeps probabilities as 32-bit fractions and prints them with 11 decimals.
  t.deepEqual(svc.slice(1).map((r) => /--probability (\S+)/.exec(r)?.[1]), ['0.33333333349', '0.50000000000', undefined]);
  const seps = svc.slice(1).map(ruleTarget);
  t.deepEqual(seps, ['10.244.1.10:80', '10.244.1.11:80', '10.244.1.12:80'].map((e) => endpointChain('ns1/web:p80', 'tcp', e)));
  t.deepEqual(seps.map((c) => rulesIn(nat, c!).map((r) => /--to-destination (\S+)/.exec(r)?.[1]).filter(Boolean)), [['10.244.1.10:80'], ['10.244.1.11:80'], ['10.244.1.12:80']]);

  const stickySvc = rulesIn(nat, serviceChains('ns1/sticky:p80', 'tcp').cluster);
  t.regex(stickySvc[1]!, /-m recent --rcheck --seconds 300 --reap --name KUBE-SEP-\S+ .*-j KUBE-SEP-/);
  t.deepEqual(rulesIn(filter, 'KUBE-SERVICES'), ['-d 10.96.0.20/32 -p tcp -m comment --comment "ns1/empty:p80 has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable']);

  const natRules = [...nat!.rules].filter((r) => r.chain.startsWith('KUBE-')).length;
  const filterRules = [...filter!.rules].filter((r) => r.chain.startsWith('KUBE-')).length;
  t.is(result.rulesTotal, natRules + filterRules);
  t.false(await backend.tampered());
});

it('full syncs are idempotent: one copy of each jump, the same rules', async (t) => {
  const ns = await netns(t);
  const backend = new IptablesBackend({ exec: inNs(ns) });
  await backend.sync({ node, services });
  const first = await inside(ns, 'iptables-save', []);
  await backend.sync({ node, services });
  await new IptablesBackend({ exec: inNs(ns) }).sync({ node, services });
  const strip = (s: string): string => s.split('\n').filter((l) => !l.startsWith('#')).join('\n');
  t.is(strip(await inside(ns, 'iptables-save', [])), strip(first));
});

it('a partial sync rewrites only the changed service chains and deletes its stale endpoint chain', async (t) => {
  const ns = await netns(t);
  const backend = new IptablesBackend({ exec: inNs(ns) });
  await backend.sync({ node, services });
  const before = await nftTable(ns, 'ip', 'nat');
  const oldSep = endpointChain('ns1/web:p80', 'tcp', '10.244.1.12:80');
  t.true(before.chains.has(oldSep));

  const smaller = { ...web, endpoints: web.endpoints.slice(0, 2) };
  const result = await backend.sync({ node, services: [smaller, sticky, empty], changed: new Set([serviceKey(web)]) });
  const after = await nftTable(ns, 'ip', 'nat');
  // Rule handles are new for every rule written: the sticky service's chains were not touched.
  for (const chain of [serviceChains('ns1/sticky:p80', 'tcp').cluster, endpointChain('ns1/sticky:p80', 'tcp', '10.244.1.10:80')]) {
    t.deepEqual(after.chains.get(chain)?.handles, before.chains.get(chain)!.handles, chain);
  }
  t.notDeepEqual(after.chains.get(webChains.cluster)?.handles, before.chains.get(webChains.cluster)!.handles);
  t.false(after.chains.has(oldSep));
  t.is(after.chains.get(webChains.cluster)!.handles.length, 3);
  t.true(result.rulesWritten < result.rulesTotal);
  const saved = await iptablesSave(ns);
  t.deepEqual(rulesIn(saved.get('nat'), webChains.cluster).slice(1).map((r) => /--probability (\S+)/.exec(r)?.[1]), ['0.50000000000', undefined]);
});

it('cleanup removes every KUBE chain and jump and leaves the built-in chains empty', async (t) => {
  const ns = await netns(t);
  const backend = new IptablesBackend({ exec: inNs(ns) });
  await backend.sync({ node, services });
  await inside(ns, 'iptables', ['-A', 'INPUT', '-s', '192.0.2.1', '-j', 'ACCEPT']);
  await backend.cleanup();
  const saved = await inside(ns, 'iptables-save', []);
  t.notRegex(saved, /KUBE-/);
  t.deepEqual(rulesIn((await iptablesSave(ns)).get('filter'), 'INPUT'), ['-s 192.0.2.1/32 -j ACCEPT']);
  t.notRegex(await inside(ns, 'nft', ['list', 'ruleset']), /KUBE-|kube-proxy/);
  // Cleaning up twice is harmless.
  await backend.cleanup();
  t.true(await backend.tampered());
});

it('tampered() notices a flushed nat table or a deleted canary, and a full sync repairs them', async (t) => {
  const ns = await netns(t);
  const backend = new IptablesBackend({ exec: inNs(ns), tableCheckEveryMs: 0 });
  await backend.sync({ node, services });
  t.false(await backend.tampered());
  await inside(ns, 'iptables', ['-t', 'nat', '-F']);
  t.true(await backend.tampered());
  await backend.sync({ node, services });
  t.false(await backend.tampered());
  t.is(rulesIn((await iptablesSave(ns)).get('nat'), 'PREROUTING').length, 1);

  await inside(ns, 'iptables', ['-t', 'mangle', '-X', 'KUBE-PROXY-CANARY']);
  t.true(await backend.tampered());
  await backend.sync({ node, services });
  t.false(await backend.tampered());
});

it('a restarted backend deletes the chains of services that went away while it was down', async (t) => {
  const ns = await netns(t);
  await new IptablesBackend({ exec: inNs(ns) }).sync({ node, services });
  await new IptablesBackend({ exec: inNs(ns) }).sync({ node, services: [web] });
  const nat = (await iptablesSave(ns)).get('nat')!;
  t.false(nat.chains.has(serviceChains('ns1/sticky:p80', 'tcp').cluster));
  t.deepEqual([...nat.chains].filter((c) => c.startsWith('KUBE-SEP-')).length, 3);
});

it('endpoint counters report the DNAT rule counters of every endpoint', async (t) => {
  const ns = await netns(t);
  const backend = new IptablesBackend({ exec: inNs(ns) });
  await backend.sync({ node, services });
  const counters = await backend.counters();
  t.deepEqual(
    counters.filter((c) => c.service === serviceKey(web)).map((c) => [c.endpoint, c.packets]).sort(),
    [['10.244.1.10:80', 0], ['10.244.1.11:80', 0], ['10.244.1.12:80', 0]],
  );
});

it('the legacy variant programs the same layout through iptables-legacy and cleans it up', async (t) => {
  const ns = await netns(t);
  const backend = new IptablesBackend({ exec: inNs(ns), variant: 'legacy' });
  await backend.sync({ node, services });
  const saved = await iptablesSave(ns);
  t.false(saved.get('nat')?.chains.has('KUBE-SERVICES') ?? false, 'nothing in the nf_tables-based tables');
  const legacy = parseIptablesSave(await inside(ns, 'iptables-legacy-save', []));
  t.true(rulesIn(legacy.get('nat'), 'KUBE-SERVICES').some((r) => r.endsWith(`-j ${webChains.cluster}`)));
  t.false(await backend.tampered());
  await backend.cleanup();
  t.notRegex(await inside(ns, 'iptables-legacy-save', []), /KUBE-/);
});
