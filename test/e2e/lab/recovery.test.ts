import test from 'ava';
import { readyCondition } from '../../../src/api/conditions.js';
import { types } from '../../../src/api/resources.js';
import type { Namespace, Node } from '../../../src/api/types.js';
import type { ApiClient } from '../../../src/client/client.js';
import { readComponents } from '../../../src/lab/state.js';
import { poll } from '../../../src/util/poll.js';
import { hostSnapshot } from '../../helpers/host.js';
import { clientFor, componentPid, lab, labName, waitFor } from '../../helpers/lab.js';
import { e2e } from '../../helpers/root.js';

const it = e2e(test);
const name = labName('recov');
const grace = 3;
let client: ApiClient;
let before: string[];

function readyStatus(n: Node | undefined): string | undefined {
  return readyCondition(n)?.status;
}

async function nodeReady(node: string): Promise<string | undefined> {
  return readyStatus(await client.get<Node>(types.nodes, node));
}

it.before(async (t) => {
  before = await hostSnapshot(name);
  const r = await lab(['up', '--name', name, '--nodes', '2', '--node-grace-period', String(grace)]);
  t.is(r.exitCode, 0, String(r.all));
  client = clientFor(name);
});

it.after.always(async (t) => {
  client?.close();
  await lab(['down', '--name', name]);
  t.deepEqual(await hostSnapshot(name), before);
});

it.serial('a killed agent is restarted and its node is Ready again', async (t) => {
  const pid = componentPid(name, 'agent-node1')!;
  process.kill(pid, 'SIGKILL');
  const restarted = await waitFor('a new agent-node1', () => {
    const p = componentPid(name, 'agent-node1');
    return p && p !== pid ? p : undefined;
  });
  t.not(restarted, pid);
  t.is(readComponents(name).find((c) => c.name === 'agent-node1')?.lastExit, 'signal SIGKILL');
  await waitFor('node1 Ready', async () => (await nodeReady('node1')) === 'True');
  t.is(await nodeReady('node1'), 'True');
});

it.serial('a killed API server comes back with every object and resourceVersion', async (t) => {
  const created = await client.create<Namespace>(types.namespaces, { metadata: { name: 'kept', labels: { a: 'b' } } });
  const pid = componentPid(name, 'apiserver')!;
  process.kill(pid, 'SIGKILL');
  await waitFor('a new apiserver', () => {
    const p = componentPid(name, 'apiserver');
    return p && p !== pid;
  });
  const after = await waitFor('the API to answer', () => client.get<Namespace>(types.namespaces, 'kept'));
  t.deepEqual(after, created);
  const nodes = (await client.list<Node>(types.nodes)).items;
  t.deepEqual(nodes.map((n) => n.metadata.name), ['node1', 'node2']);
  // The agents resynced: their nodes stay Ready after the restart.
  t.true(await poll(async () => (await client.list<Node>(types.nodes)).items.every((n) => readyStatus(n) === 'True'), { timeoutMs: 10_000, retryErrors: true }), 'both nodes Ready after the restart');
});

it.serial('a stopped agent turns its node NotReady within the grace period, and Ready again when it resumes', async (t) => {
  const pid = componentPid(name, 'agent-node2')!;
  process.kill(pid, 'SIGSTOP');
  try {
    // Bound: the grace period plus the controller's 1 s check and slack; not a performance assertion.
    await waitFor('node2 NotReady', async () => (await nodeReady('node2')) === 'Unknown', (grace + 5) * 1000, 200);
    // The controller writes the condition, then the taint: wait for both.
    const node2 = await waitFor('node2 tainted unreachable', async () => {
      const n = await client.get<Node>(types.nodes, 'node2');
      return n.spec?.taints?.some((x) => x.key === 'node.kubernetes.io/unreachable' && x.effect === 'NoExecute') && n;
    }, 5000, 200);
    t.like(readyCondition(node2), { status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
    t.is(await nodeReady('node1'), 'True', 'the other node is unaffected');
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  await waitFor('node2 Ready again', async () => (await nodeReady('node2')) === 'True', 10_000, 200);
  await waitFor('taint removed', async () => !(await client.get<Node>(types.nodes, 'node2')).spec?.taints?.length, 10_000, 200);
  t.is(await nodeReady('node2'), 'True');
});

it.serial('a killed controller-manager is restarted', async (t) => {
  const pid = componentPid(name, 'controller-manager')!;
  process.kill(pid, 'SIGKILL');
  const restarted = await waitFor('a new controller-manager', () => {
    const p = componentPid(name, 'controller-manager');
    return p && p !== pid ? p : undefined;
  });
  t.true(restarted > 0);
});
