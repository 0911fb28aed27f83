// The informer wiring: lists fill the view before sync resolves, watch events keep it current.
import test from 'ava';
import type { ResourceType } from '../../../src/api/resources.js';
import type { KubeObject, WatchEvent } from '../../../src/api/types.js';
import type { ApiClient } from '../../../src/client/client.js';
import { clusterResourceTypes, syncClusterView } from '../../../src/dns/cluster-sync.js';
import { ClusterView } from '../../../src/dns/cluster-view.js';
import { clusterIP, endpoint, headless, namespace, slice } from './fixtures.js';

/** Just enough of ApiClient for informers: per-plural lists and pushable watch streams. */
function fakeClient(lists: Record<string, KubeObject[]>) {
  const streams = new Map<string, (ev: WatchEvent) => void>();
  const client = {
    list: async (t: ResourceType) => ({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '1' }, items: lists[t.plural] ?? [] }),
    watch: async (t: ResourceType) => {
      const queue: WatchEvent[] = [];
      let wake = (): void => undefined;
      streams.set(t.plural, (ev) => {
        queue.push(ev);
        wake();
      });
      let stopped = false;
      async function* events(): AsyncGenerator<WatchEvent> {
        while (!stopped) {
          if (queue.length) yield queue.shift()!;
          else await new Promise<void>((r) => (wake = r));
        }
      }
      return { events: events(), stop: () => { stopped = true; wake(); } };
    },
  };
  return { client: client as unknown as ApiClient, push: (plural: string, ev: WatchEvent) => streams.get(plural)?.(ev) };
}

const settle = () => new Promise((r) => setTimeout(r, 20));

test('the resource types fall back to core and discovery.k8s.io paths when the registry lacks them', (t) => {
  const types = clusterResourceTypes();
  t.like(types.endpointSlices, { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', namespaced: true });
  t.like(types.services, { group: '', version: 'v1', plural: 'services', namespaced: true });
  t.like(types.namespaces, { group: '', plural: 'namespaces', namespaced: false });
});

test('sync resolves with the listed objects in the view and watch events update it', async (t) => {
  const { client, push } = fakeClient({
    namespaces: [namespace('default')],
    services: [clusterIP('web', '10.96.1.1', [{ port: 80 }]), headless('db', [])],
    endpointslices: [slice('db', [endpoint('10.244.1.1')], [])],
  });
  const view = new ClusterView();
  const stop = await syncClusterView(client, view);
  t.teardown(stop);
  t.is(view.service('default', 'web')?.clusterIPs[0], '10.96.1.1');
  t.deepEqual(view.endpoints('default', 'db').map((e) => e.ip), ['10.244.1.1']);
  t.true(view.hasNamespace('default'));

  await settle();
  push('services', { type: 'MODIFIED', object: { ...clusterIP('web', '10.96.1.2', [{ port: 80 }]), metadata: { name: 'web', namespace: 'default', resourceVersion: '2' } } });
  push('endpointslices', { type: 'DELETED', object: { ...slice('db', [], []), metadata: { ...slice('db', [], []).metadata, resourceVersion: '3' } } });
  push('namespaces', { type: 'ADDED', object: { ...namespace('team-a'), metadata: { name: 'team-a', resourceVersion: '4' } } });
  await settle();
  t.is(view.service('default', 'web')?.clusterIPs[0], '10.96.1.2');
  t.deepEqual(view.endpoints('default', 'db'), []);
  t.true(view.hasNamespace('team-a'));
});
