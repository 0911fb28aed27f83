// Projected ServiceAccount tokens in the docker runtime: a pod's token, CA and namespace are
// mounted read-only at /var/run/secrets/kubernetes.io/serviceaccount and authenticate it as its
// ServiceAccount over HTTPS to kubernetes.default; the cluster DNS pods use them (in-cluster config).
import test from 'ava';
import { types } from '../../../src/api/resources.js';
import type { Pod } from '../../../src/api/types.js';
import { dockerE2e } from '../../helpers/root.js';
import { inPod, readyPod, useLab } from '../workloads/lab-session.js';

const it = await dockerE2e(test);
const s = useLab(it, 'dtok', ['--nodes', '1', '--runtime', 'docker']);
const sa = '/var/run/secrets/kubernetes.io/serviceaccount';
const whoami = `curl -sS --cacert ${sa}/ca.crt -H "Authorization: Bearer $(cat ${sa}/token)" -H 'Content-Type: application/json' -d '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}' https://kubernetes.default.svc/apis/authentication.k8s.io/v1/selfsubjectreviews`;

it.serial('a pod of a ServiceAccount reads its token, ca.crt and namespace (read-only) and the API takes it for that account', async (t) => {
  await s.client.create(types.serviceaccounts, { metadata: { name: 'builder' } }, 'default');
  await s.client.create<Pod>(types.pods, { metadata: { name: 'builder-pod' }, spec: { serviceAccountName: 'builder', containers: [{ name: 'c', image: 'lab/toolbox' }] } } as Pod, 'default');
  await readyPod(s, 'builder-pod', 60_000);
  t.is((await inPod(s, 'builder-pod', ['ls', sa])).stdout.split('\n').filter(Boolean).sort().join(' '), 'ca.crt namespace token');
  t.is((await inPod(s, 'builder-pod', ['cat', `${sa}/namespace`])).stdout, 'default');
  const answer = await inPod(s, 'builder-pod', ['sh', '-c', whoami]);
  t.regex(answer.stdout, /"username":"system:serviceaccount:default:builder"/, answer.stderr);
  t.regex(answer.stdout, /"groups":\["system:serviceaccounts","system:serviceaccounts:default","system:authenticated"\]/);
  const write = await inPod(s, 'builder-pod', ['sh', '-c', `echo x > ${sa}/token`]);
  t.not(write.exitCode, 0);
  t.regex(write.stderr, /Read-only file system/);
});

it.serial('automountServiceAccountToken: false leaves the pod without a token: it is anonymous', async (t) => {
  await s.client.create<Pod>(types.pods, { metadata: { name: 'no-token' }, spec: { automountServiceAccountToken: false, containers: [{ name: 'c', image: 'lab/toolbox' }] } } as Pod, 'default');
  await readyPod(s, 'no-token', 60_000);
  t.not((await inPod(s, 'no-token', ['ls', sa])).exitCode, 0);
  const anon = await inPod(s, 'no-token', ['sh', '-c', `curl -sS -k -H 'Content-Type: application/json' -d '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}' https://kubernetes.default.svc/apis/authentication.k8s.io/v1/selfsubjectreviews`]);
  t.regex(anon.stdout, /"username":"system:anonymous"|User \\"system:anonymous\\" cannot/);
});

it.serial('the cluster DNS pods talk HTTPS with their token, and resolve services', async (t) => {
  const dns = (await s.client.list<Pod>(types.pods, 'kube-system', { labelSelector: 'k8s-app=kube-dns' })).items;
  t.is(dns.length, 2);
  for (const p of dns) {
    const logs = await s.client.request<string>('GET', `/api/v1/namespaces/kube-system/pods/${p.metadata.name}/log`);
    t.regex(logs, /dns: synced/);
    t.notRegex(logs, /no ServiceAccount token/);
  }
  const lookup = await inPod(s, 'builder-pod', ['nslookup', 'kubernetes.default']);
  t.regex(lookup.stdout, /Address:\s+10\.96\.0\.1/);
});
