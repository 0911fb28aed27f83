import test from 'ava';
import { types } from '../../../src/api/resources.js';
import type { Event, KubeObject, Service } from '../../../src/api/types.js';
import { waitFor } from '../../helpers/lab.js';
import { e2e } from '../../helpers/root.js';
import { curlFrom, readyPods, useLab } from '../workloads/lab-session.js';

const it = e2e(test);
const s = useLab(it, 'lbnone', ['--nodes', '2', '--lb-pool', 'none']);

it.serial('without an address pool a LoadBalancer service stays Pending and still works as a NodePort', async (t) => {
  await s.client.create(types.deployments, {
    metadata: { name: 'web' },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'lab/hello' }] } } },
  } as KubeObject, 'default');
  const pods = (await readyPods(s, 'app=web', 2)).map((p) => p.metadata.name!);
  const created = await s.client.create<Service>(types.services, { metadata: { name: 'web-lb' }, spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } } as Service, 'default');
  const nodePort = created.spec.ports![0]!.nodePort!;
  t.true(nodePort >= 30000 && nodePort <= 32767);
  for (const node of ['172.18.0.2', '172.18.0.3']) {
    const body = await waitFor(`outside -> ${node}:${nodePort}`, () => curlFrom(s, 'outside', `http://${node}:${nodePort}/`), 15_000, 200);
    t.true(pods.some((p) => body.startsWith(`Hello from ${p} at `)), body);
  }
  // By now the router's controller has seen the service many times over; it must still be Pending.
  const svc = await s.client.get<Service>(types.services, 'web-lb', 'default');
  t.deepEqual(svc.status, { loadBalancer: {} });
  t.is(await curlFrom(s, 'outside', 'http://203.0.113.200/'), undefined, 'no address of the default pool answers');
  const events = (await s.client.list<Event>(types.events, 'default', { fieldSelector: 'involvedObject.name=web-lb' })).items;
  t.false(events.some((e) => e.reason === 'EnsuredLoadBalancer'), events.map((e) => e.reason).join(', '));
});
