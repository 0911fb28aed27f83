// A whole lab in IPVS mode with a lab-wide scheduler (lc, through
// `lab up --ipvs-scheduler lc`) and one Service picking sh: what a node
// holds reads like a kube-proxy IPVS node, and the agent repairs drift.
import test from 'ava';
import { isReady } from '../../../src/api/conditions.js';
import { types } from '../../../src/api/resources.js';
import type { Pod, Service } from '../../../src/api/types.js';
import type { ApiClient } from '../../../src/client/client.js';
import { hostSnapshot } from '../../helpers/host.js';
import { clientFor, lab, labName, waitFor } from '../../helpers/lab.js';
import { e2e } from '../../helpers/root.js';
import { failures, pods, requests } from '../dataplane/traffic.js';
import { onNode } from '../dataplane/rules.js';
import { whenIpvs } from './kernel.js';

await whenIpvs(test, () => {
  const it = e2e(test);
  const name = labName('ipvslab');
  let client: ApiClient;
  let before: string[];
  const podIP = new Map<string, string>();
  const svcs = new Map<string, Service>();

  const pod = (podName: string, node: string, image: string, labels: Record<string, string> = {}): Pod =>
    ({ metadata: { name: podName, labels }, spec: { nodeName: node, terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image }] } }) as Pod;
  const service = (svcName: string, annotations: Record<string, string> = {}): Service =>
    ({ metadata: { name: svcName, annotations }, spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] } }) as Service;
  const vip = (svcName: string): string => `${svcs.get(svcName)!.spec.clusterIP}:80`;
  /** The real servers ("ip:port") of a TCP virtual server on a node. */
  const realsOn = async (node: string, address: string): Promise<string[]> =>
    [...(await onNode(name, node, ['ipvsadm', '-Ln', '-t', address]).catch(() => '')).matchAll(/->\s+(\d+\.\d+\.\d+\.\d+:\d+)\s+Masq\s+1\b/g)].map((m) => m[1]!).sort();

  it.before(async (t) => {
    before = await hostSnapshot(name);
    const up = await lab(['up', '--name', name, '--nodes', '2', '--proxy-mode', 'ipvs', '--ipvs-scheduler', 'lc']);
    t.is(up.exitCode, 0, String(up.all));
    client = clientFor(name);
    const list = [pod('web1', 'node1', 'lab/hello', { app: 'web' }), pod('web2', 'node2', 'lab/hello', { app: 'web' }), pod('client1', 'node1', 'lab/toolbox')];
    await Promise.all([
      ...list.map((p) => client.create(types.pods, p, 'default')),
      client.create(types.services, service('web'), 'default'),
      client.create(types.services, service('hashed', { 'svclab.io/ipvs-scheduler': 'sh' }), 'default'),
    ]);
    for (const p of list) {
      const ready = await waitFor(`pod ${p.metadata.name} ready`, async () => {
        const got = await client.get<Pod>(types.pods, p.metadata.name!, 'default');
        return isReady(got) ? got : undefined;
      }, 30_000);
      podIP.set(p.metadata.name!, ready.status!.podIP!);
    }
    for (const s of ['web', 'hashed']) svcs.set(s, await client.get<Service>(types.services, s, 'default'));
    const want = ['web1', 'web2'].map((p) => `${podIP.get(p)}:8080`).sort();
    await waitFor('both nodes to program web', async () => JSON.stringify(await realsOn('node1', vip('web'))) === JSON.stringify(want) && JSON.stringify(await realsOn('node2', vip('web'))) === JSON.stringify(want), 30_000, 500);
  });

  it.after.always(async (t) => {
    client?.close();
    await lab(['down', '--name', name]);
    t.deepEqual(await hostSnapshot(name), before);
  });

  it.serial('ipvsadm -Ln on a node reads like a kube-proxy IPVS node: every service port a virtual server with the lab scheduler, masquerading real servers, NodePorts on the node IP, service IPs on kube-ipvs0', async (t) => {
    const listing = await onNode(name, 'node1', ['ipvsadm', '-Ln']);
    t.log(`node1 $ ipvsadm -Ln\n${listing}`);
    const line = (re: string): void => {
      t.regex(listing, new RegExp(re, 'm'), re);
    };
    line('^TCP  10\\.96\\.0\\.1:443 lc\\s*\\n\\s+-> 172\\.18\\.0\\.1:6443\\s+Masq\\s+1\\s');
    line('^UDP  10\\.96\\.0\\.10:53 lc\\s*$');
    line('^TCP  10\\.96\\.0\\.10:53 lc\\s*$');
    const nodePort = svcs.get('web')!.spec.ports![0]!.nodePort!;
    line(`^TCP  172\\.18\\.0\\.2:${nodePort} lc\\s*$`);
    line(`^TCP  ${vip('hashed').replaceAll('.', '\\.')} sh\\s*$`);
    const dns = await onNode(name, 'node1', ['ipvsadm', '-Ln', '-u', '10.96.0.10:53']);
    t.is([...dns.matchAll(/->\s+10\.244\.\d+\.\d+:53\s+Masq\s+1/g)].length, 2, 'the two coredns pods');
    t.deepEqual(await realsOn('node1', `172.18.0.2:${nodePort}`), ['web1', 'web2'].map((p) => `${podIP.get(p)}:8080`).sort());

    const addrs = await onNode(name, 'node1', ['ip', '-o', '-4', 'addr', 'show', 'dev', 'kube-ipvs0']);
    for (const ip of ['10.96.0.1', '10.96.0.10', svcs.get('web')!.spec.clusterIP!]) t.true(addrs.includes(` ${ip}/32 `), `${ip} on kube-ipvs0`);
    t.false(addrs.includes('172.18.0.2'), 'the node IP stays on its own interface');
    const set = await onNode(name, 'node1', ['ipset', 'list', 'KUBE-CLUSTER-IP']);
    t.true(set.includes(`${vip('web').replace(':', ',tcp:')}`));
    t.true(set.includes('10.96.0.10,udp:53'));
  });

  it.serial('the per-service scheduler sh keeps one client on one backend while the lab default lc spreads it', async (t) => {
    const hashed = await requests(name, { pod: 'client1' }, vip('hashed'), 20);
    t.deepEqual(failures(hashed), []);
    t.is(pods(hashed).length, 1, `sh: ${pods(hashed).join(' ')}`);
    const spread = await requests(name, { pod: 'client1' }, vip('web'), 20);
    t.deepEqual(failures(spread), []);
    t.deepEqual(pods(spread), ['web1', 'web2'], 'lc: both backends');
  });

  it.serial('a virtual server deleted behind the agent\'s back comes back with its real servers (periodic resync)', async (t) => {
    const want = await realsOn('node2', vip('web'));
    await onNode(name, 'node2', ['ipvsadm', '-D', '-t', vip('web')]);
    t.deepEqual(await realsOn('node2', vip('web')), []);
    await waitFor('the agent to restore the virtual server', async () => JSON.stringify(await realsOn('node2', vip('web'))) === JSON.stringify(want), 45_000, 1000);
    t.deepEqual(failures(await requests(name, { host: 'node2' }, vip('web'), 4)), []);
  });
});
