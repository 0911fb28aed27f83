// The ClusterView indexes follow adds, updates and deletes in any order.
import test from 'ava';
import { ClusterView } from '../../../src/dns/cluster-view.js';
import { clusterIP, endpoint, headless, namespace, service, slice } from './fixtures.js';

const ips = (view: ClusterView, svc: string, ns = 'default') => view.endpoints(ns, svc).map((e) => e.ip).sort();

test('slices that arrive before their service are used once the service arrives', (t) => {
  const view = new ClusterView();
  view.upsertEndpointSlice(slice('web', [endpoint('10.244.1.2')], [{ name: 'http', port: 80 }]));
  t.deepEqual(ips(view, 'web'), []);
  view.upsertService(headless('web', [{ name: 'http', port: 80 }]));
  t.deepEqual(ips(view, 'web'), ['10.244.1.2']);
  t.deepEqual(view.namesForIP('10.244.1.2'), ['10-244-1-2.web.default.svc']);
});

test('a service with several slices publishes the endpoints of all of them, and a deleted slice takes its own away', (t) => {
  const view = new ClusterView();
  view.upsertService(headless('web', [{ name: 'http', port: 80 }]));
  const a = slice('web', [endpoint('10.244.1.2')], [{ name: 'http', port: 80 }], 'default', 'aaaaa');
  const b = slice('web', [endpoint('10.244.2.2', { hostname: 'web-1' })], [{ name: 'http', port: 80 }], 'default', 'bbbbb');
  view.upsertEndpointSlice(a);
  view.upsertEndpointSlice(b);
  t.deepEqual(ips(view, 'web'), ['10.244.1.2', '10.244.2.2']);
  t.deepEqual(view.endpointsByHostname('default', 'web', 'web-1').map((e) => e.ip), ['10.244.2.2']);
  view.deleteEndpointSlice(a);
  t.deepEqual(ips(view, 'web'), ['10.244.2.2']);
  t.deepEqual(view.namesForIP('10.244.1.2'), []);
  t.deepEqual(view.namesForIP('10.244.2.2'), ['web-1.web.default.svc']);
  t.is(view.size.endpointSlices, 1);
});

test('endpoints follow readiness changes: empty -> pod1 -> pod1+pod2 -> pod2 -> empty', (t) => {
  const view = new ClusterView();
  view.upsertService(headless('web', [{ name: 'http', port: 80 }]));
  const steps: [string, boolean][][] = [[], [['10.244.1.1', true]], [['10.244.1.1', true], ['10.244.1.2', true]], [['10.244.1.1', false], ['10.244.1.2', true]], []];
  const seen = steps.map((eps) => {
    view.upsertEndpointSlice(slice('web', eps.map(([ip, ready]) => endpoint(ip, { ready })), [{ name: 'http', port: 80 }]));
    return ips(view, 'web');
  });
  t.deepEqual(seen, [[], ['10.244.1.1'], ['10.244.1.1', '10.244.1.2'], ['10.244.1.2'], []]);
  t.deepEqual(view.namesForIP('10.244.1.1'), []);
});

test('a slice relabelled to another service moves its endpoints there', (t) => {
  const view = new ClusterView();
  view.upsertService(headless('old', []));
  view.upsertService(headless('new', []));
  const s = slice('old', [endpoint('10.244.1.9')], []);
  view.upsertEndpointSlice(s);
  view.upsertEndpointSlice({ ...s, metadata: { ...s.metadata, labels: { 'kubernetes.io/service-name': 'new' } } });
  t.deepEqual(ips(view, 'old'), []);
  t.deepEqual(ips(view, 'new'), ['10.244.1.9']);
  view.upsertEndpointSlice({ ...s, metadata: { ...s.metadata, labels: {} } });
  t.deepEqual(ips(view, 'new'), []);
  t.is(view.size.endpointSlices, 0);
});

test('cluster IP reverse entries follow service updates and deletes', (t) => {
  const view = new ClusterView();
  view.upsertService(clusterIP('web', '10.96.5.5', [{ port: 80 }]));
  t.deepEqual(view.namesForIP('10.96.5.5'), ['web.default.svc']);
  view.upsertService(clusterIP('web', '10.96.5.6', [{ port: 80 }]));
  t.deepEqual(view.namesForIP('10.96.5.5'), []);
  t.deepEqual(view.namesForIP('10.96.5.6'), ['web.default.svc']);
  view.deleteService(clusterIP('web', '10.96.5.6', []));
  t.deepEqual(view.namesForIP('10.96.5.6'), []);
  t.is(view.service('default', 'web'), undefined);
});

test('endpoint names survive a headless <-> ClusterIP switch and leave with a switch to ExternalName', (t) => {
  const view = new ClusterView();
  view.upsertService(headless('web', []));
  view.upsertEndpointSlice(slice('web', [endpoint('10.244.1.4')], []));
  t.deepEqual(view.namesForIP('10.244.1.4'), ['10-244-1-4.web.default.svc']);
  view.upsertService(clusterIP('web', '10.96.6.6', []));
  t.deepEqual(ips(view, 'web'), ['10.244.1.4']);
  t.deepEqual(view.namesForIP('10.244.1.4'), ['10-244-1-4.web.default.svc']);
  view.upsertService(service('web', { type: 'ExternalName', externalName: 'example.com' }));
  t.deepEqual(ips(view, 'web'), []);
  t.deepEqual(view.namesForIP('10.244.1.4'), []);
  view.upsertService(headless('web', []));
  t.deepEqual(ips(view, 'web'), ['10.244.1.4']);
});

test('IPv6 endpoints and cluster IPs are indexed in canonical form', (t) => {
  const view = new ClusterView();
  view.upsertService(service('v6', { clusterIP: 'FD00:0:0::10', clusterIPs: ['FD00:0:0::10'], ports: [{ port: 80 }] }));
  t.deepEqual(view.namesForIP('fd00::10'), ['v6.default.svc']);
  view.upsertService(headless('h6', []));
  view.upsertEndpointSlice({ ...slice('h6', [endpoint('FD00::0:7')], []), addressType: 'IPv6' });
  t.deepEqual(view.namesForIP('fd00::7'), ['fd00--7.h6.default.svc']);
});

test('FQDN slices and slices without the service-name label are ignored', (t) => {
  const view = new ClusterView();
  view.upsertService(headless('web', []));
  view.upsertEndpointSlice({ ...slice('web', [endpoint('10.244.1.1')], []), addressType: 'FQDN' });
  t.deepEqual(ips(view, 'web'), []);
  const unlabelled = slice('web', [endpoint('10.244.1.1')], [], 'default', 'zzzzz');
  view.upsertEndpointSlice({ ...unlabelled, metadata: { ...unlabelled.metadata, labels: {} } });
  t.deepEqual(ips(view, 'web'), []);
});

test('namespaces come and go with their objects', (t) => {
  const view = new ClusterView();
  view.upsertNamespace(namespace('team-a'));
  t.true(view.hasNamespace('team-a'));
  view.deleteNamespace(namespace('team-a'));
  t.false(view.hasNamespace('team-a'));
});
