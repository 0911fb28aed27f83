import test from 'ava';
import { types } from '../../../src/api/resources.js';
import type { KubeObject } from '../../../src/api/types.js';
import type { ApiClient } from '../../../src/client/client.js';
import type { Ctx } from '../../../src/scenario/context.js';
import { makePlan } from '../../../src/lab/plan.js';
import { expand, findTemplates, parseTemplate } from '../../../src/scenario/templates.js';
import { fieldPath, parseRef } from '../../../src/scenario/refs.js';

const objects: Record<string, KubeObject[]> = {
  services: [{ metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: '10.96.5.5', ports: [{ port: 80, nodePort: 30080 }] }, status: { loadBalancer: { ingress: [{ ip: '203.0.113.200' }] } } } as KubeObject],
  pods: [
    { metadata: { name: 'web-b', namespace: 'default', labels: { app: 'web' } }, spec: { nodeName: 'node2', containers: [] }, status: { podIP: '10.244.2.7', hostIP: '172.18.0.3', phase: 'Running' } } as KubeObject,
    { metadata: { name: 'web-a', namespace: 'default', labels: { app: 'web' } }, spec: { nodeName: 'node1', containers: [] }, status: { podIP: '10.244.1.4', phase: 'Running' } } as KubeObject,
    { metadata: { name: 'web-old', namespace: 'default', labels: { app: 'web' }, deletionTimestamp: '2020-01-01T00:00:00Z' }, spec: { containers: [] }, status: { podIP: '10.244.1.9' } } as KubeObject,
    { metadata: { name: 'client', namespace: 'default' }, spec: { containers: [] }, status: {} } as KubeObject,
  ],
  nodes: [{ metadata: { name: 'node2' }, status: { addresses: [{ type: 'Hostname', address: 'node2' }, { type: 'InternalIP', address: '172.18.0.3' }] } } as KubeObject],
};

const client = {
  async get(t: { plural: string }, name: string) {
    const o = objects[t.plural]?.find((x) => x.metadata.name === name);
    if (!o) throw new Error(`${t.plural} "${name}" not found`);
    return o;
  },
  async list(t: { plural: string }, _ns?: string, opts: { labelSelector?: string } = {}) {
    const [k, v] = (opts.labelSelector ?? '').split('=');
    return { items: (objects[t.plural] ?? []).filter((o) => !k || o.metadata.labels?.[k] === v) };
  },
} as unknown as ApiClient;

const ctx = { client, namespace: 'default', plan: makePlan({ name: 'tpl', nodes: 2 }) } as Ctx;

test('templates are found in strings and parsed into lab values, objects and lists', (t) => {
  t.deepEqual(findTemplates('http://${svc/web.ip}:${ svc/web.nodePort }/').map((f) => f.expr), ['svc/web.ip', 'svc/web.nodePort']);
  t.deepEqual(parseTemplate('lab.outsideIP'), { kind: 'lab', key: 'outsideIP' });
  t.deepEqual(parseTemplate('svc/kube-system/kube-dns.spec.ports[1].port'), { kind: 'object', ref: 'svc/kube-system/kube-dns', path: ['spec', 'ports', 1, 'port'] });
  t.deepEqual(parseTemplate('pod[app=web][0].ip'), { kind: 'list', type: 'pod', selector: 'app=web', index: 0, path: ['ip'] });
  t.throws(() => parseTemplate('lab.nope'), { message: /unknown lab value "nope"/ });
  t.throws(() => parseTemplate('gizmo/x.ip'), { message: /unknown kind "gizmo"/ });
  t.throws(() => parseTemplate('svc web'), { message: /use lab\.KEY/ });
});

test('shortcuts and field paths resolve against live objects', async (t) => {
  t.is(await expand(ctx, 'http://${svc/web.ip}:${svc/web.nodePort}/'), 'http://10.96.5.5:30080/');
  t.is(await expand(ctx, '${svc/web.lbIP}'), '203.0.113.200');
  t.is(await expand(ctx, '${svc/web.spec.ports[0].port}'), '80');
  t.is(await expand(ctx, '${node/node2.ip}'), '172.18.0.3');
  t.is(await expand(ctx, '${pod/web-b.hostIP} ${pod/web-b.node} ${pod/web-b.dashedIP}'), '172.18.0.3 node2 10-244-2-7');
  t.is(await expand(ctx, '${lab.outsideIP} ${lab.externalIP} ${lab.clusterDNS}'), '203.0.113.2 203.0.113.10 10.96.0.10');
});

test('a selector gives every live object by name; lists spread into arrays and join in strings', async (t) => {
  t.deepEqual(await expand(ctx, { answers: ['${pod[app=web].ip}', '1.2.3.4'] }), { answers: ['10.244.1.4', '10.244.2.7', '1.2.3.4'] });
  t.is(await expand(ctx, 'ips=${pod[app=web].ip}'), 'ips=10.244.1.4,10.244.2.7');
  t.is(await expand(ctx, '${pod[app=web][1].name}'), 'web-b');
  await t.throwsAsync(expand(ctx, '${pod[app=web][5].name}'), { message: /has no item 5 \(found 2\)/ });
});

test('a value that is not there yet is an error naming it', async (t) => {
  await t.throwsAsync(expand(ctx, '${pod/client.ip}'), { message: 'pod/client has no ip (yet)' });
  await t.throwsAsync(expand(ctx, '${svc/nope.ip}'), { message: /not found/ });
});

test('references and field paths', (t) => {
  t.deepEqual(parseRef('svc/web', 'default'), { type: types.services, namespace: 'default', name: 'web' });
  t.deepEqual(parseRef('deploy/kube-system/coredns', 'default'), { type: types.deployments, namespace: 'kube-system', name: 'coredns' });
  t.deepEqual(parseRef('node/node1', 'default'), { type: types.nodes, namespace: undefined, name: 'node1' });
  t.throws(() => parseRef('web', 'default'), { message: /bad reference "web"/ });
  t.deepEqual(fieldPath('status.loadBalancer.ingress[0].ip'), ['status', 'loadBalancer', 'ingress', 0, 'ip']);
  t.deepEqual(fieldPath('metadata.labels.pod-template-hash'), ['metadata', 'labels', 'pod-template-hash']);
});
