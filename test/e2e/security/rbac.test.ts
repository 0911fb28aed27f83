// The workshop's RBAC exercise with the real kubectl against a lab whose API
// server enforces RBAC: a ServiceAccount that may only read Services in one
// namespace, tried with --as and with a pod's own token; kubectl auth can-i and
// whoami; and the lab itself keeps working with every component as its own identity.
import test from 'ava';
import { types } from '../../../src/api/resources.js';
import type { Endpoints } from '../../../src/api/types.js';
import fs from 'node:fs';
import { execa } from 'execa';
import { pkiFiles } from '../../../src/lab/credentials.js';
import { readState, serverUrl } from '../../../src/lab/state.js';
import { componentPid, lab, waitFor } from '../../helpers/lab.js';
import { e2e } from '../../helpers/root.js';
import { inPod, readyPods, useLab } from '../workloads/lab-session.js';

const it = e2e(test);
const s = useLab(it, 'rbac', ['--nodes', '2']);
const reader = 'system:serviceaccount:demo:reader';

async function kubectl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await lab(['kubectl', '--name', s.name, ...args]);
  return { code: r.exitCode ?? -1, out: String(r.stdout).trim(), err: String(r.stderr).trim() };
}

async function ok(...args: string[]): Promise<string> {
  const r = await kubectl(...args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.err}`);
  return r.out;
}

it.serial('the exercise set up with kubectl: namespace demo, ServiceAccount reader, a Role reading Services, its RoleBinding', async (t) => {
  t.is(await ok('create', 'namespace', 'demo'), 'namespace/demo created');
  t.is(await ok('create', 'serviceaccount', 'reader', '-n', 'demo'), 'serviceaccount/reader created');
  t.is(await ok('create', 'role', 'svc-reader', '--verb=get,list,watch', '--resource=services', '-n', 'demo'), 'role.rbac.authorization.k8s.io/svc-reader created');
  t.is(await ok('create', 'rolebinding', 'reader', '--role=svc-reader', `--serviceaccount=demo:reader`, '-n', 'demo'), 'rolebinding.rbac.authorization.k8s.io/reader created');
  t.is(await ok('create', 'deployment', 'web', '--image=lab/hello', '-n', 'demo'), 'deployment.apps/web created');
  t.is(await ok('create', 'service', 'clusterip', 'web', '--tcp=80:8080', '-n', 'demo'), 'service/web created');
});

it.serial('as the reader, get svc -n demo works; other namespaces, pods and deletes are Forbidden in upstream\'s words', async (t) => {
  t.regex(await ok('get', 'svc', '-n', 'demo', `--as=${reader}`), /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\nweb\s+ClusterIP\s+10\.\S+\s+<none>\s+80\/TCP\s+/);
  const other = await kubectl('get', 'svc', '-n', 'default', `--as=${reader}`);
  t.is(other.code, 1);
  t.is(other.err, `Error from server (Forbidden): services is forbidden: User "${reader}" cannot list resource "services" in API group "" in the namespace "default"`);
  const pods = await kubectl('get', 'pods', '-n', 'demo', `--as=${reader}`);
  t.is(pods.err, `Error from server (Forbidden): pods is forbidden: User "${reader}" cannot list resource "pods" in API group "" in the namespace "demo"`);
  const del = await kubectl('delete', 'svc', 'web', '-n', 'demo', `--as=${reader}`);
  t.is(del.code, 1);
  t.is(del.err, `Error from server (Forbidden): services "web" is forbidden: User "${reader}" cannot delete resource "services" in API group "" in the namespace "demo"`);
  t.truthy(await s.client.get(types.services, 'web', 'demo'), 'the Service is still there');
});

it.serial('kubectl auth can-i as the reader: yes to list services in demo, no to delete; --list shows the Role\'s rule', async (t) => {
  t.deepEqual(await kubectl('auth', 'can-i', 'list', 'services', '-n', 'demo', `--as=${reader}`), { code: 0, out: 'yes', err: '' });
  t.like(await kubectl('auth', 'can-i', 'delete', 'services', '-n', 'demo', `--as=${reader}`), { code: 1, out: 'no' });
  t.like(await kubectl('auth', 'can-i', 'list', 'services', '-n', 'default', `--as=${reader}`), { code: 1, out: 'no' });
  t.is(await ok('auth', 'can-i', 'delete', 'nodes'), 'yes', 'the admin may');
  const list = await ok('auth', 'can-i', '--list', '-n', 'demo', `--as=${reader}`);
  t.regex(list, /^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs\n/);
  t.regex(list, /\nservices\s+\[\]\s+\[\]\s+\[get list watch\]\n/);
  t.notRegex(list, /\npods\s/);
});

it.serial('kubectl auth whoami --as shows the ServiceAccount with its groups', async (t) => {
  t.is(await ok('auth', 'whoami', `--as=${reader}`), ['ATTRIBUTE   VALUE', `Username    ${reader}`, 'Groups      [system:serviceaccounts system:serviceaccounts:demo system:authenticated]'].join('\n'));
  t.regex(await ok('auth', 'whoami'), /Username\s+kubernetes-admin\nGroups\s+\[system:masters system:authenticated\]/);
});

it.serial('the lab works under RBAC with its components as their own identities: the pod is scheduled, Ready, behind the Service, and found by DNS', async (t) => {
  const [pod] = await readyPods(s, 'app=web', 1, 60_000, 'demo');
  await waitFor('Endpoints of demo/web', async () => ((await s.client.get<Endpoints>(types.endpoints, 'web', 'demo')).subsets?.[0]?.addresses?.[0]?.ip === pod!.status!.podIP ? true : undefined), 20_000);
  const r = await inPod(s, pod!.metadata.name!, ['curl', '-s', '--max-time', '3', 'http://web.demo.svc.cluster.local/'], 'demo');
  t.is(r.exitCode, 0, r.stderr);
  t.regex(r.stdout, new RegExp(`^Hello from ${pod!.metadata.name}`));
});

it.serial('each lab process authenticates as its own identity: its token file is that user to the API server; the DNS pods use their ServiceAccount', async (t) => {
  const argv = (pid: number | undefined): string[] => (pid ? fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0') : []);
  const whoami = async (component: string): Promise<string> => {
    const args = argv(componentPid(s.name, component));
    const tokenFile = args[args.indexOf('--token-file') + 1];
    t.truthy(tokenFile, `${component} is started with --token-file`);
    t.false(args.some((a) => a.startsWith('--as')), `${component} impersonates nobody`);
    // Only the token: the lab CA to trust the server, no client certificate (which would be the admin's).
    const r = await execa('curl', ['-sS', '--cacert', pkiFiles.caCert(s.name), '-H', `Authorization: Bearer ${fs.readFileSync(tokenFile!, 'utf8').trim()}`, '-H', 'Content-Type: application/json', '-d', '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}', `${serverUrl(readState(s.name)!)}/apis/authentication.k8s.io/v1/selfsubjectreviews`]);
    const info = (JSON.parse(r.stdout) as { status: { userInfo: { username: string; groups: string[] } } }).status.userInfo;
    return `${info.username} ${info.groups.join(',')}`;
  };
  t.is(await whoami('agent-node1'), 'system:node:node1 system:nodes,system:authenticated');
  t.is(await whoami('controller-manager'), 'system:kube-controller-manager system:authenticated');
  t.is(await whoami('router'), 'svclab:router system:authenticated');
  t.is(await whoami('dashboard'), 'svclab:dashboard system:authenticated');
  t.is(await ok('get', 'deployment', 'coredns', '-n', 'kube-system', '-o', 'jsonpath={.spec.template.spec.serviceAccountName}'), 'coredns');
  // What that identity may do: CoreDNS reads Services but cannot touch Secrets.
  t.is(await ok('auth', 'can-i', 'watch', 'services', '--as=system:serviceaccount:kube-system:coredns'), 'yes');
  t.like(await kubectl('auth', 'can-i', 'get', 'secrets', '-n', 'kube-system', '--as=system:serviceaccount:kube-system:coredns'), { code: 1, out: 'no' });
});

it.serial("a pod's own token can do exactly what its ServiceAccount's Role allows", async (t) => {
  await ok('run', 'reader', '--image=lab/toolbox', '-n', 'demo', '--overrides={"spec":{"serviceAccountName":"reader"}}', '--', 'sleep', '3600');
  const [pod] = await readyPods(s, 'run=reader', 1, 60_000, 'demo');
  const api = 'https://kubernetes.default.svc';
  const sa = '/var/run/secrets/kubernetes.io/serviceaccount';
  const call = (method: string, url: string) =>
    inPod(s, pod!.metadata.name!, ['sh', '-c', `curl -s --cacert ${sa}/ca.crt -H "Authorization: Bearer $(cat ${sa}/token)" -X ${method} -o /dev/null -w '%{http_code}' ${api}${url}`], 'demo');
  t.is((await call('GET', '/api/v1/namespaces/demo/services')).stdout, '200');
  t.is((await call('GET', '/api/v1/namespaces/default/services')).stdout, '403');
  t.is((await call('GET', '/api/v1/namespaces/demo/pods')).stdout, '403');
  t.is((await call('DELETE', '/api/v1/namespaces/demo/services/web')).stdout, '403');
  t.truthy(await s.client.get(types.services, 'web', 'demo'), 'the Service is still there');
});

it.serial('the Node authorizer: a node reads no Secret its pods do not use', async (t) => {
  await ok('create', 'secret', 'generic', 'db', '--from-literal=password=s3cret', '-n', 'demo');
  const r = await kubectl('get', 'secret', 'db', '-n', 'demo', '--as=system:node:node1', '--as-group=system:nodes');
  t.is(r.code, 1);
  t.is(r.err, `Error from server (Forbidden): secrets "db" is forbidden: User "system:node:node1" cannot get resource "secrets" in API group "" in the namespace "demo": no relationship found between node 'node1' and this object`);
  t.like(await kubectl('auth', 'can-i', 'list', 'pods', '--as=system:node:node1', '--as-group=system:nodes'), { code: 0, out: 'yes' });
});
