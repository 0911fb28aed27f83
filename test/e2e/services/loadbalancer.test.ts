import test from 'ava';
import { types } from '../../../src/api/resources.js';
import type { KubeObject, Service } from '../../../src/api/types.js';
import { parseIp } from '../../../src/net/cidr.js';
import { waitFor } from '../../helpers/lab.js';
import { e2e } from '../../helpers/root.js';
import { curlFrom, readyPods, useLab } from '../workloads/lab-session.js';

const it = e2e(test);
const s = useLab(it, 'lb', ['--nodes', '3']);
const pool = [parseIp('203.0.113.200')!, parseIp('203.0.113.250')!];

function inPool(ip: string | undefined): boolean {
  const n = parseIp(ip ?? '');
  return n !== undefined && n >= pool[0]! && n <= pool[1]!;
}

/** What `kubectl expose deployment/httpenv --port 8888 --name NAME --type LoadBalancer` posts (seed 002). */
function exposed(name: string): Service {
  return { metadata: { name, labels: { app: 'httpenv' } }, spec: { type: 'LoadBalancer', selector: { app: 'httpenv' }, ports: [{ port: 8888, protocol: 'TCP', targetPort: 8888 }] } } as Service;
}

async function ingressOf(name: string): Promise<string> {
  return waitFor(`an external address for ${name}`, async () => (await s.client.get<Service>(types.services, name, 'default')).status?.loadBalancer?.ingress?.[0]?.ip);
}

/** The pod (HOSTNAME in httpenv's JSON) that answered from the outside host, or undefined when nothing did. */
async function fromOutside(url: string): Promise<string | undefined> {
  const body = await curlFrom(s, 'outside', url);
  return body ? (JSON.parse(body) as Record<string, string>).HOSTNAME : undefined;
}

it.serial.before(async () => {
  // kubectl create deployment httpenv --image=bretfisher/httpenv --replicas=3
  await s.client.create(types.deployments, {
    metadata: { name: 'httpenv', labels: { app: 'httpenv' } },
    spec: { replicas: 3, selector: { matchLabels: { app: 'httpenv' } }, template: { metadata: { labels: { app: 'httpenv' } }, spec: { containers: [{ name: 'httpenv', image: 'bretfisher/httpenv' }] } } },
  } as KubeObject, 'default');
  await readyPods(s, 'app=httpenv', 3);
});

it.serial('a LoadBalancer service gets an address from the pool and the outside host reaches the pods through it', async (t) => {
  await s.client.create(types.services, exposed('httpenv-my-lb'), 'default');
  const ip = await ingressOf('httpenv-my-lb');
  t.true(inPool(ip), ip);
  const svc = await s.client.get<Service>(types.services, 'httpenv-my-lb', 'default');
  t.deepEqual(svc.status?.loadBalancer?.ingress, [{ ip, ipMode: 'VIP' }]);
  const nodePort = svc.spec.ports![0]!.nodePort!;
  t.true(nodePort >= 30000 && nodePort <= 32767);
  const pods = (await readyPods(s, 'app=httpenv', 3)).map((p) => p.metadata.name!);
  const first = await waitFor('the LoadBalancer answering the outside host', () => fromOutside(`http://${ip}:8888/`), 15_000, 200);
  t.true(pods.includes(first), first);
  const answered = new Set<string>();
  for (let i = 0; i < 30; i++) answered.add((await fromOutside(`http://${ip}:8888/`))!);
  t.true([...answered].every((p) => pods.includes(p)), [...answered].join(' '));
  t.true(answered.size >= 2, `30 connections reached ${[...answered].join(', ')}`);
  const viaNode = await fromOutside(`http://172.18.0.4:${nodePort}/`);
  t.true(pods.includes(viaNode!), 'the NodePort under it answers too');
});

it.serial('a second LoadBalancer gets a different address', async (t) => {
  await s.client.create(types.services, exposed('httpenv-second'), 'default');
  const [a, b] = [await ingressOf('httpenv-my-lb'), await ingressOf('httpenv-second')];
  t.true(inPool(b));
  t.not(a, b);
  t.truthy(await waitFor('the second address answering', () => fromOutside(`http://${b}:8888/`), 15_000, 200));
});

it.serial('loadBalancerSourceRanges that exclude the outside host make the address unreachable from there', async (t) => {
  const ip = await ingressOf('httpenv-my-lb');
  await s.client.patch(types.services, 'httpenv-my-lb', { spec: { loadBalancerSourceRanges: ['198.51.100.0/24'] } }, 'default');
  await waitFor('the outside host shut out', async () => (await fromOutside(`http://${ip}:8888/`)) === undefined, 15_000, 200);
  for (let i = 0; i < 2; i++) t.is(await fromOutside(`http://${ip}:8888/`), undefined);
  t.truthy(await fromOutside(`http://${await ingressOf('httpenv-second')}:8888/`), 'the other LoadBalancer is not affected');
  await s.client.patch(types.services, 'httpenv-my-lb', { spec: { loadBalancerSourceRanges: ['203.0.113.2/32'] } }, 'default');
  t.truthy(await waitFor('the outside host let in again', () => fromOutside(`http://${ip}:8888/`), 15_000, 200));
});

it.serial('changing the type to ClusterIP takes the address away', async (t) => {
  const ip = await ingressOf('httpenv-my-lb');
  const svc = await s.client.patch<Service>(types.services, 'httpenv-my-lb', { spec: { type: 'ClusterIP', loadBalancerSourceRanges: null } }, 'default');
  t.is(svc.spec.ports![0]!.nodePort, undefined);
  await waitFor('the address gone from the outside', async () => (await fromOutside(`http://${ip}:8888/`)) === undefined, 15_000, 200);
  await waitFor('the ingress cleared from status', async () => ((await s.client.get<Service>(types.services, 'httpenv-my-lb', 'default')).status?.loadBalancer?.ingress ?? []).length === 0);
  t.deepEqual((await s.client.get<Service>(types.services, 'httpenv-my-lb', 'default')).status, { loadBalancer: {} });
});
