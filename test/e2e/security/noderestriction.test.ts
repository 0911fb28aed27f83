// NodeRestriction with a node's real credentials: node1's agent token file (what a joined
// host's agents will hold) in a kubeconfig of its own, used by the real kubectl. The node may
// label itself, and nothing of node2; restricted labels and taints are refused in upstream's
// words, nothing refused is stored, and the lab's own agents keep working meanwhile.
import test from 'ava';
import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { types } from '../../../src/api/resources.js';
import type { Lease, Node } from '../../../src/api/types.js';
import { pkiFiles } from '../../../src/lab/credentials.js';
import { kubectlBinary } from '../../../src/lab/kubeconfig.js';
import { readState, serverUrl } from '../../../src/lab/state.js';
import { kubectlFor, waitFor } from '../../helpers/lab.js';
import { e2e } from '../../helpers/root.js';
import { readyPods, useLab } from '../workloads/lab-session.js';

const it = e2e(test);
const s = useLab(it, 'noderestr', ['--nodes', '2']);

/** kubectl as node1: a kubeconfig with the lab's server and CA and the agent's token file, nothing of the admin's. */
async function asNode1(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const config = path.join(s.scratch, 'node1.kubeconfig');
  if (!fs.existsSync(config)) {
    const cluster = { server: serverUrl(readState(s.name)!), 'certificate-authority': pkiFiles.caCert(s.name) };
    const user = { tokenFile: pkiFiles.componentToken(s.name, 'agent-node1') };
    fs.writeFileSync(config, stringify({ apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'lab', cluster }], users: [{ name: 'node1', user }], contexts: [{ name: 'node1', context: { cluster: 'lab', user: 'node1' } }], 'current-context': 'node1' }), { mode: 0o600 });
  }
  const r = await execa(kubectlBinary, ['--kubeconfig', config, '--cache-dir', path.join(s.scratch, 'kubectl-cache'), ...args], { reject: false });
  return { code: r.exitCode ?? -1, out: r.stdout.trim(), err: r.stderr.trim() };
}

const labels = async (node: string) => (await s.client.get<Node>(types.nodes, node)).metadata.labels ?? {};

it.serial('the token file is node1 to the API server: system:node:node1 in system:nodes', async (t) => {
  const r = await asNode1('auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username} {.status.userInfo.groups}');
  t.is(r.out, 'system:node:node1 ["system:nodes","system:authenticated"]', r.err);
});

it.serial('node1 labels its own Node; the label is stored', async (t) => {
  t.deepEqual(await asNode1('label', 'node', 'node1', 'team=blue'), { code: 0, out: 'node/node1 labeled', err: '' });
  t.is((await labels('node1')).team, 'blue');
});

it.serial("node1 may not touch node2: label and status patches are 403 in upstream's words, and node2 is unchanged", async (t) => {
  const before = await s.client.get<Node>(types.nodes, 'node2');
  const label = await asNode1('label', 'node', 'node2', 'team=blue');
  t.is(label.code, 1);
  t.is(label.err, 'Error from server (Forbidden): nodes "node2" is forbidden: node "node1" is not allowed to modify node "node2"');
  // kubectl patch --subresource=status reads the status first, which the system:node role does not grant (upstream's neither): the kubelet's own PATCH, with curl.
  const token = fs.readFileSync(pkiFiles.componentToken(s.name, 'agent-node1'), 'utf8').trim();
  const patch = '{"status":{"conditions":[{"type":"Ready","status":"False","reason":"Forged"}]}}';
  const curl = await execa('curl', ['-sS', '--cacert', pkiFiles.caCert(s.name), '-H', `Authorization: Bearer ${token}`, '-H', 'Content-Type: application/merge-patch+json', '-X', 'PATCH', '-d', patch, `${serverUrl(readState(s.name)!)}/api/v1/nodes/node2/status`]);
  t.like(JSON.parse(curl.stdout), { code: 403, reason: 'Forbidden', message: 'nodes "node2" is forbidden: node "node1" is not allowed to modify node "node2"' });
  const after = await s.client.get<Node>(types.nodes, 'node2');
  t.deepEqual(after.metadata.labels, before.metadata.labels);
  t.not(after.status?.conditions?.find((c) => c.type === 'Ready')?.reason, 'Forged');
});

it.serial('node1 may not give itself a node-restriction.kubernetes.io/ label, an unknown kubernetes.io label or change its taints', async (t) => {
  const restricted = await asNode1('label', 'node', 'node1', 'node-restriction.kubernetes.io/pool=secure');
  t.is(restricted.code, 1);
  t.is(restricted.err, 'Error from server (Forbidden): nodes "node1" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/pool');
  const role = await asNode1('label', 'node', 'node1', 'node-role.kubernetes.io/control-plane=');
  t.is(role.err, 'Error from server (Forbidden): nodes "node1" is forbidden: is not allowed to modify labels: node-role.kubernetes.io/control-plane');
  const taint = await asNode1('taint', 'node', 'node1', 'dedicated=mine:NoSchedule');
  t.is(taint.err, 'Error from server (Forbidden): nodes "node1" is forbidden: node "node1" is not allowed to modify taints');
  const l = await labels('node1');
  t.false('node-restriction.kubernetes.io/pool' in l);
  t.false('node-role.kubernetes.io/control-plane' in l);
  t.is((await s.client.get<Node>(types.nodes, 'node1')).spec?.taints, undefined);
  // The admin may: the label that steers workloads is the cluster admin's to set.
  await kubectlFor(s.name).ok('label', 'node', 'node2', 'node-restriction.kubernetes.io/pool=secure');
  t.is((await labels('node2'))['node-restriction.kubernetes.io/pool'], 'secure');
});

it.serial('node1 may delete no Node (the system:node role lacks the verb) and create no pod that is not its mirror pod', async (t) => {
  const del = await asNode1('delete', 'node', 'node2');
  t.is(del.code, 1);
  t.is(del.err, 'Error from server (Forbidden): nodes "node2" is forbidden: User "system:node:node1" cannot delete resource "nodes" in API group "" at the cluster scope');
  t.truthy(await s.client.get(types.nodes, 'node2'));
  const pod = await asNode1('run', 'sneaky', '--image=lab/toolbox', '--overrides={"spec":{"nodeName":"node1"}}', '--', 'sleep', '60');
  t.is(pod.err, 'Error from server (Forbidden): pods "sneaky" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "node1" can only create mirror pods');
  t.is((await s.client.list(types.pods, 'default')).items.length, 0);
});

it.serial("the lab's agents keep working under NodeRestriction: leases renewed, pods on both nodes Ready with their tokens, deleted pods gone", async (t) => {
  const renewed = (n: string) => s.client.get<Lease>(types.leases, n, 'kube-node-lease').then((l) => l.spec?.renewTime);
  const first = await Promise.all(['node1', 'node2'].map(renewed));
  const { ok } = kubectlFor(s.name);
  await ok('create', 'deployment', 'web', '--image=lab/hello', '--replicas=2');
  const pods = await readyPods(s, 'app=web', 2, 60_000);
  t.deepEqual(pods.map((p) => p.spec.nodeName).sort(), ['node1', 'node2'], 'one per node, each started and reported by its own agent');
  // Each pod's projected token came from a TokenRequest its node made, bound to it.
  for (const p of pods) t.is(await ok('exec', p.metadata.name!, '--', 'head', '-c', '3', '/var/run/secrets/kubernetes.io/serviceaccount/token'), 'eyJ', 'a JWT');
  await waitFor('both leases renewed', async () => ((await Promise.all(['node1', 'node2'].map(renewed))).every((r, i) => r !== first[i]) ? true : undefined), 10_000);
  await ok('delete', 'deployment', 'web');
  await waitFor('the pods deleted by their agents', async () => ((await s.client.list(types.pods, 'default')).items.length === 0 ? true : undefined), 30_000);
  const nodes = await s.client.list<Node>(types.nodes);
  t.true(nodes.items.every((n) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True'));
});
