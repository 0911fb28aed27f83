import test from 'ava';
import { execa } from 'execa';
import fs from 'node:fs';
import { readyCondition } from '../../../src/api/conditions.js';
import { types } from '../../../src/api/resources.js';
import type { Node } from '../../../src/api/types.js';
import type { LabStatus } from '../../../src/lab/status.js';
import { hostArgv } from '../../../src/lab/hosts.js';
import { hostSnapshot } from '../../helpers/host.js';
import { clientFor, lab, labName } from '../../helpers/lab.js';
import { e2e } from '../../helpers/root.js';

const it = e2e(test);
const name = labName('life');

async function ping(from: string, ip: string): Promise<boolean> {
  const [cmd, ...args] = hostArgv(name, from, ['ping', '-c', '1', '-W', '2', ip]);
  return (await execa(cmd!, args, { reject: false })).exitCode === 0;
}

it.after.always(async () => {
  await lab(['down', '--name', name]);
});

it('lab up --nodes 3 brings three Ready nodes whose traffic crosses the node network, and lab down leaves the host as it was', async (t) => {
  const before = await hostSnapshot(name);
  const up = await lab(['up', '--name', name, '--nodes', '3']);
  t.is(up.exitCode, 0, String(up.all));

  const client = clientFor(name);
  t.teardown(() => client.close());
  const nodes = (await client.list<Node>(types.nodes)).items;
  t.deepEqual(
    nodes.map((n) => [n.metadata.name, n.status?.addresses?.[0]?.address, n.spec?.podCIDR, readyCondition(n)?.status]),
    [
      ['node1', '172.18.0.2', '10.244.1.0/24', 'True'],
      ['node2', '172.18.0.3', '10.244.2.0/24', 'True'],
      ['node3', '172.18.0.4', '10.244.3.0/24', 'True'],
    ],
  );

  const status = JSON.parse(String((await lab(['status', '--name', name, '-o', 'json'])).stdout)) as LabStatus;
  t.regex(status.apiServer, /^https:\/\/127\.0\.0\.1:\d+$/);
  t.deepEqual(status.nodes.map((n) => [n.name, n.ip, n.podCIDR, n.ready]), [
    ['node1', '172.18.0.2', '10.244.1.0/24', true],
    ['node2', '172.18.0.3', '10.244.2.0/24', true],
    ['node3', '172.18.0.4', '10.244.3.0/24', true],
  ]);

  t.true(await ping('node1', '172.18.0.4'), 'node1 reaches node3 over the node network');
  for (const ip of ['172.18.0.2', '172.18.0.3', '172.18.0.4']) t.true(await ping('outside', ip), `outside reaches ${ip} through the router`);
  // Each node routes the others' pod CIDRs to them (host-gw), kept from the Node objects.
  const [cmd, ...args] = hostArgv(name, 'node1', ['ip', 'route', 'show', 'proto', 'static']);
  t.deepEqual(String((await execa(cmd!, args)).stdout).trim().split('\n').map((l) => l.trim()), [
    '10.244.2.0/24 via 172.18.0.3 dev eth0',
    '10.244.3.0/24 via 172.18.0.4 dev eth0',
  ]);
  const [hcmd, ...hargs] = hostArgv(name, 'node2', ['hostname']);
  t.is(String((await execa(hcmd!, hargs)).stdout).trim(), 'node2');

  // A pod's /etc/netns entry whose namespace is already gone (its agent killed between the two
  // steps of a teardown, as a CI run once left): lab down removes it too.
  const stray = `/etc/netns/svclab-${name}-pod-0123456789abc`;
  fs.mkdirSync(stray, { recursive: true });
  fs.writeFileSync(`${stray}/resolv.conf`, 'nameserver 10.96.0.10\n');
  const down = await lab(['down', '--name', name]);
  t.is(down.exitCode, 0, String(down.all));
  t.deepEqual(await hostSnapshot(name), before);
});
