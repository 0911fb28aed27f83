import test from 'ava';
import { IptablesBackend } from '../../../src/agent/proxy/iptables/backend.js';
import { serviceKey } from '../../../src/agent/proxy/model.js';
import { NftablesBackend } from '../../../src/agent/proxy/nftables/backend.js';
import { endpointNames, serviceChainNames } from '../../../src/agent/proxy/nftables/names.js';
import { e2e } from '../../helpers/root.js';
import { endpoint, node, servicePort } from '../../unit/agent/proxy/fixtures.js';
import { inNs, inside, netns, nftHasTable, nftTable, removeLeftoverNetns } from './netns.js';

const it = e2e(test);
it.after.always(removeLeftoverNetns);

const web = servicePort({ name: 'web', clusterIP: '10.96.0.10', nodePort: 30080, endpoints: ['10.244.1.10', '10.244.1.11', '10.244.1.12'].map((ip) => endpoint(ip)) });
const sticky = servicePort({ name: 'sticky', clusterIP: '10.96.0.30', sessionAffinity: 'ClientIP', stickyMaxAgeSeconds: 300, endpoints: [endpoint('10.244.1.10'), endpoint('10.244.1.11')] });
const empty = servicePort({ name: 'empty', clusterIP: '10.96.0.20', nodePort: 30020 });
const services = [web, sticky, empty];
const webChain = serviceChainNames('ns1', 'web', 'tcp', 'p80').cluster;
const webEndpoint = (ip: string): string => endpointNames('ns1', 'web', 'tcp', 'p80', ip, 80).chain;

type NftKey = string | number | { concat: Array<string | number> } | { elem: { val: NftKey; comment?: string } };

/** Set and map elements as "key [# comment] [: verdict target]" strings. */
function elements(elems: unknown[] | undefined): string[] {
  return (elems ?? []).map((e) => {
    const [key, value] = (Array.isArray(e) ? e : [e]) as [NftKey, Record<string, { target?: string } | null>?];
    const text = (k: NftKey): string => (typeof k !== 'object' ? String(k) : 'concat' in k ? k.concat.join(' . ') : `${text(k.elem.val)}${k.elem.comment ? ` # ${k.elem.comment}` : ''}`);
    if (!value) return text(key);
    const [verdict, arg] = Object.entries(value)[0]!;
    return `${text(key)} : ${verdict}${arg?.target ? ` ${arg.target}` : ''}`;
  });
}

it('the nftables backend creates table ip kube-proxy with its base chains, maps and service chains', async (t) => {
  const ns = await netns(t);
  const backend = new NftablesBackend({ exec: inNs(ns) });
  await backend.sync({ node, services });
  const { chains, sets } = await nftTable(ns, 'ip', 'kube-proxy');

  const base = [...chains].filter(([, c]) => c.hook).map(([name, c]) => `${name} ${c.hook} ${c.prio}`);
  t.deepEqual(base.sort(), [
    'filter-forward forward -110',
    'filter-input input -110',
    'filter-output output -110',
    'filter-output-post-dnat output -90',
    'filter-prerouting prerouting -110',
    'nat-output output -100',
    'nat-postrouting postrouting 100',
    'nat-prerouting prerouting -100',
  ]);
  t.deepEqual(elements(sets.get('service-ips')), [`10.96.0.10 . tcp . 80 : goto ${webChain}`, `10.96.0.30 . tcp . 80 : goto ${serviceChainNames('ns1', 'sticky', 'tcp', 'p80').cluster}`]);
  t.deepEqual(elements(sets.get('service-nodeports')), [`tcp . 30080 : goto ${serviceChainNames('ns1', 'web', 'tcp', 'p80').external}`]);
  t.deepEqual(elements(sets.get('no-endpoint-services')), ['10.96.0.20 . tcp . 80 # ns1/empty:p80 : goto reject-chain']);
  t.deepEqual(elements(sets.get('no-endpoint-nodeports')), ['tcp . 30020 # ns1/empty:p80 : goto reject-chain']);
  t.deepEqual(elements(sets.get('cluster-ips')).sort(), ['10.96.0.10', '10.96.0.20', '10.96.0.30']);
  t.deepEqual(elements(sets.get('nodeport-ips')), ['172.18.0.2']);
  t.true(sets.has(endpointNames('ns1', 'sticky', 'tcp', 'p80', '10.244.1.10', 80).affinitySet));

  // The service chain: masquerade off-cluster sources, then one numgen lookup over the endpoint chains.
  const [masq, balance] = chains.get(webChain)!.rules.map((r) => JSON.stringify(r));
  t.regex(masq!, /"jump":\{"target":"mark-for-masquerade"\}/);
  t.regex(balance!, /"numgen":\{"mode":"random","mod":3/);
  for (const ip of ['10.244.1.10', '10.244.1.11', '10.244.1.12']) {
    t.true(balance!.includes(`"goto":{"target":"${webEndpoint(ip)}"}`), ip);
    const dnat = JSON.stringify(chains.get(webEndpoint(ip))!.rules.at(-1));
    t.regex(dnat, new RegExp(`"dnat":\\{"addr":"${ip.replaceAll('.', '\\.')}","port":80\\}`));
  }
  t.regex(await inside(ns, 'nft', ['list', 'chain', 'ip', 'kube-proxy', 'masquerading']), /masquerade fully-random/);
  t.false(await backend.tampered());
});

it('a partial sync touches only the changed service chains and map elements', async (t) => {
  const ns = await netns(t);
  const backend = new NftablesBackend({ exec: inNs(ns), staleChainDelayMs: 0 });
  await backend.sync({ node, services });
  const before = await nftTable(ns, 'ip', 'kube-proxy');
  const smaller = { ...web, endpoints: web.endpoints.slice(0, 2) };
  const noLongerEmpty = { ...empty, endpoints: [endpoint('10.244.1.12')] };
  const result = await backend.sync({ node, services: [smaller, sticky, noLongerEmpty], changed: new Set([serviceKey(web), serviceKey(empty)]) });
  const after = await nftTable(ns, 'ip', 'kube-proxy');

  const stickyChains = [...before.chains.keys()].filter((c) => c.includes('ns1/sticky/'));
  t.is(stickyChains.length, 3);
  for (const c of [...stickyChains, 'services', 'nat-prerouting']) t.deepEqual(after.chains.get(c)?.handles, before.chains.get(c)!.handles, c);
  t.notDeepEqual(after.chains.get(webChain)?.handles, before.chains.get(webChain)!.handles);
  t.regex(JSON.stringify(after.chains.get(webChain)!.rules[1]), /"mod":2/);
  t.false(after.chains.has(webEndpoint('10.244.1.12')));
  t.deepEqual(elements(after.sets.get('no-endpoint-services')), []);
  t.deepEqual(elements(after.sets.get('service-nodeports')).length, 2);
  t.true(result.rulesWritten < result.rulesTotal);
});

it('stale chains are flushed at once and deleted by a later sync a second on', async (t) => {
  const ns = await netns(t);
  let now = 1_000_000;
  const backend = new NftablesBackend({ exec: inNs(ns), now: () => now });
  await backend.sync({ node, services });
  await backend.sync({ node, services: [sticky, empty], changed: new Set([serviceKey(web)]) });
  let chains = (await nftTable(ns, 'ip', 'kube-proxy')).chains;
  t.deepEqual(chains.get(webChain)?.handles, []);
  now += 1000;
  await backend.sync({ node, services: [sticky, empty], changed: new Set() });
  chains = (await nftTable(ns, 'ip', 'kube-proxy')).chains;
  t.false([...chains.keys()].some((c) => c.includes('ns1/web/')));
});

it('cleanup deletes table ip kube-proxy and is harmless when it is already gone', async (t) => {
  const ns = await netns(t);
  const backend = new NftablesBackend({ exec: inNs(ns) });
  await backend.sync({ node, services });
  t.true(await nftHasTable(ns, 'ip', 'kube-proxy'));
  await backend.cleanup();
  t.false(await nftHasTable(ns, 'ip', 'kube-proxy'));
  t.is((await inside(ns, 'nft', ['list', 'ruleset'])).trim(), '');
  await backend.cleanup();
  t.true(await backend.tampered());
});

it('tampered() notices a deleted table or base chain, and a full sync repairs it and a flushed table', async (t) => {
  const ns = await netns(t);
  const backend = new NftablesBackend({ exec: inNs(ns), chainCheckEveryMs: 0 });
  await backend.sync({ node, services });
  t.false(await backend.tampered());
  await inside(ns, 'nft', ['delete', 'chain', 'ip', 'kube-proxy', 'nat-postrouting']);
  t.true(await backend.tampered());
  await backend.sync({ node, services });
  t.false(await backend.tampered());
  await inside(ns, 'nft', ['flush', 'ruleset']);
  t.true(await backend.tampered());
  await backend.sync({ node, services });
  t.false(await backend.tampered());
  // A flush of the rules alone keeps every chain: upstream does not notice it either, the periodic full sync repairs it.
  await inside(ns, 'nft', ['flush', 'table', 'ip', 'kube-proxy']);
  await backend.sync({ node, services });
  const { chains } = await nftTable(ns, 'ip', 'kube-proxy');
  t.is(chains.get(webChain)?.handles.length, 2);
  t.is(chains.get('nat-prerouting')?.handles.length, 1);
});

it('affinity sets survive full syncs and are recreated when the timeout changes', async (t) => {
  const ns = await netns(t);
  const backend = new NftablesBackend({ exec: inNs(ns) });
  const set = endpointNames('ns1', 'sticky', 'tcp', 'p80', '10.244.1.10', 80).affinitySet;
  await backend.sync({ node, services });
  await inside(ns, 'nft', ['add', 'element', 'ip', 'kube-proxy', set, '{ 192.0.2.7 }']);
  await backend.sync({ node, services });
  t.regex(await inside(ns, 'nft', ['list', 'set', 'ip', 'kube-proxy', set]), /192\.0\.2\.7/);
  const shorter = { ...sticky, stickyMaxAgeSeconds: 60 };
  await backend.sync({ node, services: [web, shorter, empty], changed: new Set([serviceKey(sticky)]) });
  t.regex(await inside(ns, 'nft', ['list', 'set', 'ip', 'kube-proxy', set]), /timeout 1m/);
});

it('switching from iptables to nftables with cleanup leaves no iptables KUBE chains', async (t) => {
  const ns = await netns(t);
  const iptables = new IptablesBackend({ exec: inNs(ns) });
  await iptables.sync({ node, services });
  t.regex(await inside(ns, 'iptables-save', []), /KUBE-SERVICES/);
  await iptables.cleanup();
  await new NftablesBackend({ exec: inNs(ns) }).sync({ node, services });
  t.notRegex(await inside(ns, 'iptables-save', []), /KUBE-/);
  t.true(await nftHasTable(ns, 'ip', 'kube-proxy'));
  t.false(/KUBE-/.test(await inside(ns, 'nft', ['list', 'ruleset'])));
});
