import test from 'ava';
import { types } from '../../../src/api/resources.js';
import type { Event, Node, Pod } from '../../../src/api/types.js';
import { ApiClient } from '../../../src/client/client.js';
import { EventRecorder } from '../../../src/client/events.js';
import { startApiServer } from '../../helpers/apiserver.js';
import { eventsFor, ns, pod } from './fake-cluster.js';

test('repeats of an event bump count and lastTimestamp on one Event instead of creating more', async (t) => {
  const { client } = await startApiServer(t);
  const p = await client.create<Pod>(types.pods, pod('web', { app: 'web' }));
  const recorder = new EventRecorder(client, 'kubelet', 'n1');
  await recorder.event(p, 'Warning', 'BackOff', 'Back-off restarting failed container app');
  await Promise.all([recorder.event(p, 'Warning', 'BackOff', 'Back-off restarting failed container app'), recorder.event(p, 'Warning', 'BackOff', 'Back-off restarting failed container app')]);
  await recorder.event(p, 'Normal', 'Pulled', 'Container image "nginx:1.25" already present on machine');

  const events = await eventsFor(client, p);
  t.is(events.length, 2);
  const backOff = events.find((e) => e.reason === 'BackOff')!;
  t.is(backOff.count, 3);
  t.is(backOff.type, 'Warning');
  t.regex(backOff.metadata.name!, /^web\.[0-9a-f]+$/);
  t.deepEqual(backOff.involvedObject, { kind: 'Pod', namespace: ns, name: 'web', uid: p.metadata.uid, apiVersion: 'v1', resourceVersion: p.metadata.resourceVersion });
  t.deepEqual(backOff.source, { component: 'kubelet', host: 'n1' });
  t.is(backOff.reportingComponent, 'kubelet');
  t.is(backOff.reportingInstance, 'n1');
  t.truthy(backOff.firstTimestamp);
  t.true(backOff.lastTimestamp! >= backOff.firstTimestamp!);
  t.is(events.find((e) => e.reason === 'Pulled')!.count, 1);
});

test('events about cluster-scoped objects go to the default namespace', async (t) => {
  const { client } = await startApiServer(t);
  const node = await client.create<Node>(types.nodes, { metadata: { name: 'n1' }, spec: {} });
  await new EventRecorder(client, 'node-controller').event(node, 'Normal', 'RegisteredNode', 'Node n1 event: Registered Node n1 in Controller');
  const [event] = await eventsFor(client, node, 'default');
  t.is(event?.involvedObject.kind, 'Node');
  t.is(event?.involvedObject.namespace, undefined);
  t.deepEqual(event?.source, { component: 'node-controller' });
});

test('an Event deleted behind the recorder is created again, keeping its count', async (t) => {
  const { client } = await startApiServer(t);
  const p = await client.create<Pod>(types.pods, pod('web', { app: 'web' }));
  const recorder = new EventRecorder(client, 'default-scheduler');
  await recorder.event(p, 'Warning', 'FailedScheduling', 'no nodes available to schedule pods');
  const [first] = await eventsFor(client, p);
  await client.delete(types.events, first!.metadata.name!, ns);
  await recorder.event(p, 'Warning', 'FailedScheduling', 'no nodes available to schedule pods');
  const [again] = await eventsFor(client, p);
  t.is(again?.count, 2);
  t.is(again?.firstTimestamp, first!.firstTimestamp);
});

test('recording never throws, even with the API server away', async (t) => {
  const client = new ApiClient({ server: 'http://127.0.0.1:1', timeoutMs: 1000 });
  t.teardown(() => client.close());
  const obj = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: ns, uid: 'u' } };
  await t.notThrowsAsync(new EventRecorder(client, 'kubelet').event(obj, 'Normal', 'Started', 'Started container app'));
});

test('the Event shape is what kubectl describe reads', async (t) => {
  const { client } = await startApiServer(t);
  const p = await client.create<Pod>(types.pods, pod('web', { app: 'web' }));
  await new EventRecorder(client, 'default-scheduler').event(p, 'Normal', 'Scheduled', 'Successfully assigned default/web to n1');
  const [e] = await eventsFor(client, p);
  const { metadata: _m, ...rest } = e as Event;
  t.like(rest, { apiVersion: 'v1', kind: 'Event', reason: 'Scheduled', message: 'Successfully assigned default/web to n1', type: 'Normal', count: 1, reportingComponent: 'default-scheduler', reportingInstance: '' });
  t.is(e!.eventTime, null);
});
