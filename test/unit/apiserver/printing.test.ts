import test from 'ava';
import type { Deployment, Endpoints, Event, KubeObject, Node, Pod, ReplicaSet, Service } from '../../../src/api/types.js';
import { humanDuration } from '../../../src/apiserver/printing/age.js';
import { eventPrinter, nodePrinter } from '../../../src/apiserver/printing/cluster.js';
import { podPrinter } from '../../../src/apiserver/printing/pod.js';
import { endpointSlicePrinter, endpointsPrinter, servicePrinter } from '../../../src/apiserver/printing/service.js';
import { tableRequested, toTable, type Printer } from '../../../src/apiserver/printing/table.js';
import { deploymentPrinter, replicaSetPrinter } from '../../../src/apiserver/printing/workload.js';
import { ingressClassPrinter, ingressPrinter } from '../../../src/apiserver/printing/networking.js';
import type { Ingress, IngressClass } from '../../../src/api/networking.js';

const now = Date.parse('2026-01-10T12:00:00Z');
const ago = (seconds: number): string => new Date(now - seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The printer's cells keyed by column name, as kubectl -o wide shows them. */
function row(printer: Printer, obj: KubeObject): Record<string, unknown> {
  const cells = printer.cells(obj, now);
  return Object.fromEntries(printer.columns.map((c, i) => [c.name.toUpperCase(), cells[i]]));
}

test('AGE reads like kubectl: seconds up to 2 minutes, then minutes and seconds, hours, days, years', (t) => {
  const cases: [number, string][] = [
    [0, '0s'],
    [119, '119s'],
    [120, '2m'],
    [303, '5m3s'],
    [600, '10m'],
    [179 * 60 + 59, '179m'],
    [3 * 3600, '3h'],
    [3 * 3600 + 5 * 60, '3h5m'],
    [47 * 3600, '47h'],
    [2 * 86400, '2d'],
    [2 * 86400 + 4 * 3600, '2d4h'],
    [100 * 86400, '100d'],
    [3 * 365 * 86400 + 45 * 86400, '3y45d'],
    [9 * 365 * 86400, '9y'],
  ];
  for (const [s, text] of cases) t.is(humanDuration(s * 1000), text, `${s}s`);
  t.is(humanDuration(-5000), '<invalid>');
});

const pod = (status: Pod['status'], extra: Partial<Pod['metadata']> = {}): Pod => ({
  metadata: { name: 'web-1', creationTimestamp: ago(303), ...extra },
  spec: { nodeName: 'node1', containers: [{ name: 'app' }] },
  status,
});
const running = { running: { startedAt: ago(300) } };

test('pods show READY, STATUS, RESTARTS with the last restart time, and the wide columns', (t) => {
  const ok = pod({ phase: 'Running', podIP: '10.244.1.5', podIPs: [{ ip: '10.244.1.5' }], containerStatuses: [{ name: 'app', ready: true, restartCount: 0, image: '', imageID: '', state: running }] });
  t.deepEqual(row(podPrinter, ok), { NAME: 'web-1', READY: '1/1', STATUS: 'Running', RESTARTS: '0', AGE: '5m3s', IP: '10.244.1.5', NODE: 'node1', 'NOMINATED NODE': '<none>', 'READINESS GATES': '<none>' });

  const crashing = pod({
    phase: 'Running',
    containerStatuses: [{ name: 'app', ready: false, restartCount: 2, image: '', imageID: '', state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, finishedAt: ago(300) } } }],
  });
  t.like(row(podPrinter, crashing), { READY: '0/1', STATUS: 'CrashLoopBackOff', RESTARTS: '2 (5m ago)', IP: '<none>' });

  const creating = pod({ phase: 'Pending', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, image: '', imageID: '', state: { waiting: { reason: 'ContainerCreating' } } }] });
  t.like(row(podPrinter, creating), { STATUS: 'ContainerCreating' });
  const pulling = pod({ phase: 'Pending', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, image: '', imageID: '', state: { waiting: { reason: 'ImagePullBackOff' } } }] });
  t.like(row(podPrinter, pulling), { STATUS: 'ImagePullBackOff' });

  const deleting = pod(ok.status, { deletionTimestamp: ago(1) });
  t.like(row(podPrinter, deleting), { READY: '1/1', STATUS: 'Terminating' });

  const done = pod({ phase: 'Succeeded', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, image: '', imageID: '', state: { terminated: { exitCode: 0, reason: 'Completed' } } }] });
  t.like(row(podPrinter, { ...done, metadata: { ...done.metadata, deletionTimestamp: ago(1) } }), { STATUS: 'Completed' }, 'a finished pod being deleted is not Terminating');
  const killed = pod({ phase: 'Failed', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, image: '', imageID: '', state: { terminated: { exitCode: 137, signal: 9 } } }] });
  t.like(row(podPrinter, killed), { STATUS: 'Signal:9' });

  const init = { ...pod({ phase: 'Pending', initContainerStatuses: [{ name: 'init', ready: false, restartCount: 0, image: '', imageID: '', state: { running: {} } }] } as Pod['status']) };
  init.spec = { ...init.spec, initContainers: [{ name: 'init' }] };
  t.like(row(podPrinter, init), { STATUS: 'Init:0/1' });
});

const svc = (spec: Partial<Service['spec']>, status?: Service['status']): Service => ({
  metadata: { name: 'web', creationTimestamp: ago(10) },
  spec: { type: 'ClusterIP', clusterIP: '10.96.0.50', clusterIPs: ['10.96.0.50'], selector: { app: 'web', tier: 'a' }, ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }], ...spec },
  status,
});

test('services show TYPE, CLUSTER-IP, EXTERNAL-IP and PORT(S) as a real cluster does', (t) => {
  t.deepEqual(row(servicePrinter, svc({})), { NAME: 'web', TYPE: 'ClusterIP', 'CLUSTER-IP': '10.96.0.50', 'EXTERNAL-IP': '<none>', 'PORT(S)': '80/TCP', AGE: '10s', SELECTOR: 'app=web,tier=a' });
  t.like(row(servicePrinter, svc({ type: 'NodePort', ports: [{ port: 80, protocol: 'TCP', nodePort: 31000 }, { port: 53, protocol: 'UDP', nodePort: 31053 }] })), { 'PORT(S)': '80:31000/TCP,53:31053/UDP' });
  t.like(row(servicePrinter, svc({ type: 'LoadBalancer' })), { 'EXTERNAL-IP': '<pending>' });
  t.like(row(servicePrinter, svc({ type: 'LoadBalancer' }, { loadBalancer: { ingress: [{ ip: '203.0.113.200' }] } })), { 'EXTERNAL-IP': '203.0.113.200' });
  t.like(row(servicePrinter, svc({ clusterIP: 'None', clusterIPs: ['None'] })), { 'CLUSTER-IP': 'None' });
  t.like(row(servicePrinter, svc({ type: 'ExternalName', externalName: 'google.com', clusterIP: undefined, clusterIPs: undefined, selector: undefined })), { 'CLUSTER-IP': '<none>', 'EXTERNAL-IP': 'google.com', SELECTOR: '<none>' });
  t.like(row(servicePrinter, svc({ ports: [] })), { 'PORT(S)': '<none>' });
});

test('endpoints list IP:port per port, at most three then "+ N more...", and <none> without subsets', (t) => {
  const ep = (subsets: Endpoints['subsets']): Endpoints => ({ metadata: { name: 'web', creationTimestamp: ago(10) }, subsets });
  t.like(row(endpointsPrinter, ep([{ addresses: [{ ip: '10.244.1.2' }, { ip: '10.244.2.3' }], ports: [{ port: 8080 }] }])), { ENDPOINTS: '10.244.1.2:8080,10.244.2.3:8080' });
  t.like(row(endpointsPrinter, ep([{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: '10.0.0.3' }, { ip: '10.0.0.4' }, { ip: '10.0.0.5' }], ports: [{ port: 80 }] }])), {
    ENDPOINTS: '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...',
  });
  t.like(row(endpointsPrinter, ep(undefined)), { ENDPOINTS: '<none>' });
  t.like(row(endpointsPrinter, ep([{ addresses: [{ ip: '10.0.0.9' }] }])), { ENDPOINTS: '10.0.0.9' }, 'no ports: addresses alone');
  const slice = { metadata: { name: 'web-abc', creationTimestamp: ago(10) }, addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }], ports: [{ port: 80, name: 'http' }] } as KubeObject;
  t.deepEqual(row(endpointSlicePrinter, slice), { NAME: 'web-abc', ADDRESSTYPE: 'IPv4', PORTS: '80', ENDPOINTS: '10.0.0.1,10.0.0.2', AGE: '10s' });
});

test('deployments and replicasets show their counts, containers, images and sorted selector', (t) => {
  const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'web:1' }, { name: 'side', image: 'side:2' }] } };
  const d: Deployment = { metadata: { name: 'web', creationTimestamp: ago(200) }, spec: { replicas: 3, selector: { matchLabels: { tier: 'a', app: 'web' } }, template }, status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 } };
  t.deepEqual(row(deploymentPrinter, d), { NAME: 'web', READY: '2/3', 'UP-TO-DATE': 3, AVAILABLE: 2, AGE: '3m20s', CONTAINERS: 'app,side', IMAGES: 'web:1,side:2', SELECTOR: 'app=web,tier=a' });
  const rs: ReplicaSet = { metadata: { name: 'web-5d8f', creationTimestamp: ago(200) }, spec: { replicas: 3, selector: { matchLabels: { app: 'web', 'pod-template-hash': '5d8f' } }, template }, status: { replicas: 3, readyReplicas: 1 } };
  t.deepEqual(row(replicaSetPrinter, rs), { NAME: 'web-5d8f', DESIRED: 3, CURRENT: 3, READY: 1, AGE: '3m20s', CONTAINERS: 'app,side', IMAGES: 'web:1,side:2', SELECTOR: 'app=web,pod-template-hash=5d8f' });
});

test('nodes show Ready or NotReady, roles, version and addresses; events their object and count', (t) => {
  const node: Node = {
    metadata: { name: 'node1', creationTimestamp: ago(7200), labels: { 'node-role.kubernetes.io/control-plane': '' } },
    spec: { unschedulable: true },
    status: { conditions: [{ type: 'Ready', status: 'False' }], addresses: [{ type: 'InternalIP', address: '172.18.0.2' }], nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'svclab' } },
  };
  t.like(row(nodePrinter, node), { STATUS: 'NotReady,SchedulingDisabled', ROLES: 'control-plane', AGE: '120m', VERSION: 'v1.32.0', 'INTERNAL-IP': '172.18.0.2', 'EXTERNAL-IP': '<none>', 'OS-IMAGE': 'svclab', 'KERNEL-VERSION': '<unknown>' });
  const ev: Event = { metadata: { name: 'web.1' }, involvedObject: { kind: 'Pod', name: 'web' }, reason: 'Started', message: 'Started container app\n', type: 'Normal', source: { component: 'kubelet', host: 'node1' }, firstTimestamp: ago(600), lastTimestamp: ago(60) };
  t.deepEqual(row(eventPrinter, ev), { 'LAST SEEN': '60s', TYPE: 'Normal', REASON: 'Started', OBJECT: 'pod/web', SUBOBJECT: '', SOURCE: 'kubelet, node1', MESSAGE: 'Started container app', 'FIRST SEEN': '10m', COUNT: 1, NAME: 'web.1' });
});

test('a Table is served only when the Accept header prefers one, with rows carrying the object metadata', (t) => {
  const q = new URLSearchParams();
  const kubectlGet = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
  t.deepEqual(tableRequested(kubectlGet, q), { apiVersion: 'meta.k8s.io/v1', includeObject: 'Metadata' });
  t.is(tableRequested('application/json', q), undefined);
  t.is(tableRequested('application/json, */*', q), undefined);
  t.is(tableRequested(undefined, q), undefined);
  t.deepEqual(tableRequested('application/json;as=Table;v=v1beta1;g=meta.k8s.io', new URLSearchParams('includeObject=Object')), { apiVersion: 'meta.k8s.io/v1beta1', includeObject: 'Object' });

  const obj = svc({});
  obj.metadata.labels = { app: 'web' };
  const table = toTable(servicePrinter, [obj], { apiVersion: 'meta.k8s.io/v1', includeObject: 'Metadata' }, { resourceVersion: '42', now }) as any;
  t.is(table.kind, 'Table');
  t.deepEqual(table.metadata, { resourceVersion: '42' });
  t.deepEqual(table.columnDefinitions.map((c: { name: string; priority: number }) => `${c.name}:${c.priority}`), ['Name:0', 'Type:0', 'Cluster-IP:0', 'External-IP:0', 'Port(s):0', 'Age:0', 'Selector:1']);
  t.deepEqual(table.rows[0].object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata });
  t.deepEqual(table.rows[0].cells.slice(0, 2), ['web', 'ClusterIP']);
});

test('ingresses show CLASS, HOSTS (three at most), ADDRESS and PORTS (443 with TLS); ingress classes their PARAMETERS', (t) => {
  const rule = (host?: string): NonNullable<Ingress['spec']['rules']>[number] => ({ host, http: { paths: [] } });
  const ing = (spec: Ingress['spec'], status?: Ingress['status']): Ingress => ({ metadata: { name: 'web', creationTimestamp: ago(10) }, spec, status });
  t.deepEqual(row(ingressPrinter, ing({ ingressClassName: 'nginx', rules: [rule('web.example.com')] }, { loadBalancer: { ingress: [{ ip: '203.0.113.200' }] } })), { NAME: 'web', CLASS: 'nginx', HOSTS: 'web.example.com', ADDRESS: '203.0.113.200', PORTS: '80', AGE: '10s' });
  t.like(row(ingressPrinter, ing({ defaultBackend: {}, tls: [{ hosts: ['a.example.com'] }] })), { CLASS: '<none>', HOSTS: '*', ADDRESS: '', PORTS: '80, 443' });
  t.like(row(ingressPrinter, ing({ rules: ['a', 'b', 'c', 'd', 'e'].map((h) => rule(`${h}.example.com`)) })), { HOSTS: 'a.example.com,b.example.com,c.example.com + 2 more...' });
  t.like(row(ingressClassPrinter, { metadata: { name: 'nginx', creationTimestamp: ago(10) }, spec: { controller: 'k8s.io/ingress-nginx', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'external-lb' } } } as IngressClass), {
    CONTROLLER: 'k8s.io/ingress-nginx',
    PARAMETERS: 'IngressParameters.k8s.example.com/external-lb',
  });
});
