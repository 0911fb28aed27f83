import test, { type ExecutionContext } from 'ava';
import { staleFlows } from '../../../src/agent/proxy/conntrack.js';
import { IptablesBackend } from '../../../src/agent/proxy/iptables/backend.js';
import { systemTool } from '../../../src/net/tools.js';
import { serviceKey, type ProxyBackend, type ServicePort } from '../../../src/agent/proxy/model.js';
import { NftablesBackend } from '../../../src/agent/proxy/nftables/backend.js';
import { run } from '../../../src/net/run.js';
import { e2e } from '../../helpers/root.js';
import { endpoint, servicePort } from '../../unit/agent/proxy/fixtures.js';
import { inNs, removeLeftoverNetns } from './netns.js';
import { askUdp, buildRig, connect, type Rig } from './traffic.js';

const it = e2e(test);
it.after.always(removeLeftoverNetns);

const backends = {
  iptables: (rig: Rig) => new IptablesBackend({ exec: inNs(rig.node) }),
  nftables: (rig: Rig) => new NftablesBackend({ exec: inNs(rig.node) }),
};

function services(rig: Rig): ServicePort[] {
  const endpoints = rig.endpointIPs.map((ip) => endpoint(ip, { port: rig.port }));
  return [
    servicePort({ name: 'web', clusterIP: '10.96.0.10', nodePort: 30080, endpoints }),
    servicePort({ name: 'empty', clusterIP: '10.96.0.20' }),
    servicePort({ name: 'sticky', clusterIP: '10.96.0.30', sessionAffinity: 'ClientIP', endpoints }),
    servicePort({ name: 'dns', protocol: 'UDP', clusterIP: '10.96.0.53', port: 53, endpoints: endpoints.slice(0, 1) }),
  ];
}

async function programmed(t: ExecutionContext, mode: keyof typeof backends): Promise<{ rig: Rig; backend: ProxyBackend }> {
  const rig = await buildRig(t);
  const backend = backends[mode](rig);
  await backend.sync({ node: rig.nodeInfo, services: services(rig) });
  return { rig, backend };
}

for (const mode of Object.keys(backends) as Array<keyof typeof backends>) {
  it(`${mode}: connections to a cluster IP and a NodePort reach the endpoints, spread over them and are masqueraded`, async (t) => {
    const { rig, backend } = await programmed(t, mode);
    const viaClusterIP = await connect(rig, '10.96.0.10', 80, 30);
    const viaNodePort = await connect(rig, '192.168.77.1', 30080, 5);
    const replies = [...viaClusterIP, ...viaNodePort].map((a) => a.reply ?? a.error);
    const hits = new Map<string, number>();
    for (const r of replies) hits.set(r!, (hits.get(r!) ?? 0) + 1);
    t.log(Object.fromEntries(hits));
    // Each reply is "<endpoint> <source seen>": the client is outside the cluster CIDR, so it arrives as the node.
    t.true([...hits.keys()].every((r) => rig.endpointIPs.some((ip) => r === `${ip} 10.244.1.1`)), [...hits.keys()].join(', '));
    t.true(new Set(viaClusterIP.map((a) => a.reply)).size >= 2);

    if (backend instanceof IptablesBackend) {
      const counters = (await backend.counters()).filter((c) => c.service === serviceKey(services(rig)[0]!));
      // The nat table sees the first packet of each connection only.
      t.is(counters.reduce((n, c) => n + c.packets, 0), 35);
    }
  });

  it(`${mode}: a service without endpoints refuses connections at once instead of timing out`, async (t) => {
    const { rig } = await programmed(t, mode);
    t.deepEqual(await connect(rig, '10.96.0.20', 80, 2), [{ error: 'ECONNREFUSED' }, { error: 'ECONNREFUSED' }]);
  });

  it(`${mode}: ClientIP affinity keeps every connection of a client on one endpoint`, async (t) => {
    const { rig } = await programmed(t, mode);
    const attempts = await connect(rig, '10.96.0.30', 80, 20);
    t.true(attempts.every((a) => a.reply));
    t.is(new Set(attempts.map((a) => a.reply)).size, 1);
  });

  it(`${mode}: traffic follows an endpoint change made by a partial sync`, async (t) => {
    const { rig, backend } = await programmed(t, mode);
    const [web, ...rest] = services(rig);
    const onlyLast = { ...web!, endpoints: web!.endpoints.slice(2) };
    await backend.sync({ node: rig.nodeInfo, services: [onlyLast, ...rest], changed: new Set([serviceKey(web!)]) });
    const attempts = await connect(rig, '10.96.0.10', 80, 10);
    t.deepEqual(new Set(attempts.map((a) => a.reply)), new Set(['10.244.1.12 10.244.1.1']));
  });

  it(`${mode}: a UDP client that keeps its source port follows an endpoint change once the proxier deletes its stale flow`, async (t) => {
    const { rig, backend } = await programmed(t, mode);
    t.is(await askUdp(rig, '10.96.0.53', 53, 40053), '10.244.1.10');
    const all = services(rig);
    const dns = all.at(-1)!;
    const moved = { ...dns, endpoints: [endpoint('10.244.1.11', { port: rig.port })] };
    await backend.sync({ node: rig.nodeInfo, services: [...all.slice(0, -1), moved], changed: new Set([serviceKey(dns)]) });
    // The rules alone do not move an existing flow: 10.244.1.10 still answers it.
    t.is(await askUdp(rig, '10.96.0.53', 53, 40053), '10.244.1.10');
    for (const args of staleFlows(dns, moved)) await run('ip', ['netns', 'exec', rig.node, systemTool('conntrack'), ...args]);
    t.is(await askUdp(rig, '10.96.0.53', 53, 40053), '10.244.1.11');
  });
}
