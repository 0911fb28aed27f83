import test, { type ExecutionContext } from 'ava';
import YAML from 'yaml';
import { types } from '../../../src/api/resources.js';
import type { Endpoints, EndpointSlice, KubeObject, Pod, Service } from '../../../src/api/types.js';
import { contains, parseCidr, parseIp } from '../../../src/net/cidr.js';
import { waitFor } from '../../helpers/lab.js';
import { e2e } from '../../helpers/root.js';
import { applyYaml, curlFrom, exists, inPod, readyPod, readyPods, refusal, useLab } from '../workloads/lab-session.js';
import * as seed from '../../fixtures/seed-manifests.js';

const it = e2e(test);
const s = useLab(it, 'seedsvc', ['--nodes', '2']);
const nodeIPs = ['172.18.0.2', '172.18.0.3'];
const serviceCIDR = parseCidr('10.96.0.0/12')!;

function inServiceRange(ip: string | undefined): boolean {
  const n = parseIp(ip ?? '');
  return n !== undefined && contains(serviceCIDR, n);
}

async function namespace(name: string): Promise<string> {
  if (!(await exists(s, types.namespaces, name))) await s.client.create(types.namespaces, { metadata: { name } });
  return name;
}

async function apply(t: ExecutionContext, yaml: string, ns: string): Promise<void> {
  const r = await applyYaml(s, yaml, ns);
  t.is(r.exitCode, 0, r.output);
}

const service = (name: string, ns: string): Promise<Service> => s.client.get<Service>(types.services, name, ns);

/** Runs curl in the client pod (a toolbox in default, through the cluster DNS and the node's proxy rules). */
async function curlInPod(url: string, extra: string[] = []): Promise<string> {
  return waitFor(`curl ${url} from a pod`, async () => {
    const r = await inPod(s, 'client', ['curl', '-s', '--max-time', '3', ...extra, url]);
    return r.exitCode === 0 && r.stdout ? r.stdout : undefined;
  }, 15_000, 500);
}

it.serial.before(async () => {
  await s.client.create(types.pods, { metadata: { name: 'client' }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'lab/toolbox' }] } } as Pod, 'default');
  await readyPod(s, 'client');
});

it.serial('the seed ClusterIP and multi-port services are stored as written, with cluster IPs from the service range', async (t) => {
  const a = await namespace('seed000');
  await apply(t, seed.selector, a);
  const svc = await service('my-service', a);
  t.true(inServiceRange(svc.spec.clusterIP), svc.spec.clusterIP);
  t.like(svc.spec, { type: 'ClusterIP', selector: { app: 'MyApp' }, sessionAffinity: 'None', clusterIPs: [svc.spec.clusterIP] });
  t.deepEqual(svc.spec.ports, [{ protocol: 'TCP', port: 80, targetPort: 9376 }]);
  // A selector with no pods yet: an Endpoints object with no addresses.
  await waitFor('Endpoints for my-service', () => exists(s, types.endpoints, 'my-service', a));

  const b = await namespace('seed000-multi');
  await apply(t, seed.multiPort, b);
  const multi = await service('my-service', b);
  t.deepEqual(multi.spec.ports, [
    { name: 'http', protocol: 'TCP', port: 80, targetPort: 9376 },
    { name: 'https', protocol: 'TCP', port: 443, targetPort: 9377 },
  ]);
  t.not(multi.spec.clusterIP, svc.spec.clusterIP);
});

it.serial('the seed services without selectors are mirrored into EndpointSlices and reach the servers their Endpoints name', async (t) => {
  const a = await namespace('seed000-manual');
  await apply(t, `${seed.noSelector}---\n${seed.endpoints}`, a);
  const mirrored = await waitFor('a mirrored EndpointSlice', async () => {
    const items = (await s.client.list<EndpointSlice>(types.endpointslices, a, { labelSelector: 'kubernetes.io/service-name=my-service' })).items;
    return items.length === 1 && items[0]!.endpoints.length === 1 ? items[0] : undefined;
  });
  t.is(mirrored.metadata.labels!['endpointslice.kubernetes.io/managed-by'], 'endpointslicemirroring-controller.k8s.io');
  t.deepEqual(mirrored.endpoints.map((e) => e.addresses), [['1.2.3.4']]);
  t.deepEqual(mirrored.ports, [{ name: '', port: 9376, protocol: 'TCP' }]);

  const b = await namespace('seed001');
  await apply(t, `${seed.noSelector001}---\n${seed.endpoints001}`, b);
  t.regex(await curlInPod('http://my-service.seed001/'), /^Hello from the external server my-service\.seed001 on port 9376; you are /);

  const c = await namespace('seed004');
  await apply(t, seed.streamset, c);
  t.regex(await curlInPod('http://streamset-service.seed004:9090/'), /^Hello from the external server streamset-service\.seed004:9090 on port 9090; you are /);
});

it.serial('the seed headless and NodePort services over the ms-hello pods: endpoints for both, NodePort 31000 on every node from outside', async (t) => {
  const ns = await namespace('seed004');
  await apply(t, `${seed.helloDeployment}---\n${seed.byeHelloServices}---\n${seed.headless}---\n${seed.nodePort}`, ns);
  const pods = await readyPods(s, 'app=ms-hello-pods', 2, 30_000, ns);
  const headless = await service('headless-hello-svc', ns);
  t.is(headless.spec.clusterIP, 'None');
  const want = pods.map((p) => `${p.status!.podIP}:7777`).sort();
  for (const name of ['headless-hello-svc', 'ms-hello-svc', 'np-hello-svc']) {
    await waitFor(`${name} endpoints`, async () => {
      const ep = await s.client.get<Endpoints>(types.endpoints, name, ns);
      const got = (ep.subsets ?? []).flatMap((x) => (x.addresses ?? []).map((a) => `${a.ip}:${x.ports?.[0]?.port}`)).sort();
      return JSON.stringify(got) === JSON.stringify(want);
    });
  }
  t.is((await s.client.get<Endpoints>(types.endpoints, 'headless-hello-svc', ns)).metadata.labels?.['service.kubernetes.io/headless'], '');
  const np = await service('np-hello-svc', ns);
  t.like(np.spec, { type: 'NodePort', externalTrafficPolicy: 'Cluster' });
  t.deepEqual(np.spec.ports, [{ port: 17, protocol: 'TCP', targetPort: 7777, nodePort: 31000 }]);
  t.true(inServiceRange(np.spec.clusterIP));
  for (const ip of nodeIPs) {
    const body = await waitFor(`outside -> ${ip}:31000`, () => curlFrom(s, 'outside', `http://${ip}:31000/`), 15_000, 500);
    t.is(body, 'This is the hello world custom node parent', ip);
  }
  t.is(await curlInPod('http://np-hello-svc.seed004:17/'), 'This is the hello world custom node parent');
});

it.serial("the seed's two-container Deployment answers on both ports of its multi-port service", async (t) => {
  const ns = await namespace('seed004');
  await apply(t, `${seed.mornAftDeployment}---\n${seed.mornAftService}`, ns);
  await readyPods(s, 'app=mc-mornaft-pods', 2, 30_000, ns);
  t.is(await curlInPod('http://mc-mornaft-svc.seed004:1234/'), 'This is the good morning root');
  t.is(await curlInPod('http://mc-mornaft-svc.seed004:4321/'), 'This is the good afternoon root');
});

it.serial('the seed ExternalName service has no cluster IP and sends pods to its external name', async (t) => {
  const ns = await namespace('prod');
  await apply(t, seed.externalNameProd, 'default'); // the manifest names its namespace
  const svc = await service('my-service', ns);
  t.like(svc.spec, { type: 'ExternalName', externalName: 'my.database.example.com' });
  t.is(svc.spec.clusterIP, undefined);
  t.false(await exists(s, types.endpoints, 'my-service', ns));
  t.regex(await curlInPod('http://my-service.prod/'), /^Hello from the external server my-service\.prod on port 80; you are /);
});

/** Seed manifests a real API server refuses, with its exact message. */
const refused: { title: string; yaml: string; message: string; causes: [string, string][] }[] = [
  {
    title: "seed 000's LoadBalancer asks for a cluster IP outside the service range",
    yaml: seed.loadBalancer,
    message:
      'Service "my-service" is invalid: spec.clusterIPs: Invalid value: []string{"10.0.171.239"}: failed to allocate IP 10.0.171.239: the provided IP (10.0.171.239) is not in the valid range. The range of valid IPs is 10.96.0.0/12',
    causes: [['spec.clusterIPs', 'FieldValueInvalid']],
  },
  {
    title: "seed 004's mysql ExternalName has an en dash in its host name",
    yaml: seed.mysql,
    message:
      "Service \"mysql\" is invalid: spec.externalName: Invalid value: \"mysql–instance1.123456789012.us-east-1.rds.amazonaws.com\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    causes: [['spec.externalName', 'FieldValueInvalid']],
  },
  {
    title: "seed 004's nodePorts without a type (so ClusterIP)",
    yaml: seed.nodePortsWithoutType,
    message:
      "Service \"my-service\" is invalid: [spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP', spec.ports[1].nodePort: Forbidden: may not be used when `type` is 'ClusterIP', spec.ports[2].nodePort: Forbidden: may not be used when `type` is 'ClusterIP']",
    causes: [0, 1, 2].map((i) => [`spec.ports[${i}].nodePort`, 'FieldValueForbidden']),
  },
];

for (const c of refused) {
  it.serial(`${c.title}: refused with the real API server's message, nothing stored`, async (t) => {
    const ns = await namespace('refused');
    const obj = YAML.parse(c.yaml) as KubeObject;
    const status = await refusal(t, s.client.create(types.services, obj, ns));
    t.is(status.code, 422);
    t.is(status.reason, 'Invalid');
    t.is(status.message, c.message);
    t.deepEqual(status.details?.causes?.map((x) => [x.field, x.reason]), c.causes);
    t.false(await exists(s, types.services, obj.metadata.name!, ns));
    const r = await applyYaml(s, c.yaml, ns);
    t.is(r.exitCode, 1);
    t.true(r.output.includes(`Error from server (Invalid): ${c.message}`), r.output);
  });
}

it.serial('the default/kubernetes service reaches the API server from a pod, over HTTPS, as the pod\'s ServiceAccount', async (t) => {
  const sa = '/var/run/secrets/kubernetes.io/serviceaccount';
  const version = JSON.parse(await curlInPod('https://kubernetes.default:443/version', ['--cacert', `${sa}/ca.crt`])) as { major: string; minor: string; gitVersion: string };
  t.like(version, { major: '1', minor: '32' });
  const kubernetes = await service('kubernetes', 'default');
  t.is(kubernetes.spec.clusterIP, '10.96.0.1');
  // The pod's token is its account's, which may not read Services: the API server says who asked.
  const token = (await inPod(s, 'client', ['cat', `${sa}/token`])).stdout.trim();
  const viaIP = JSON.parse(await curlInPod('https://10.96.0.1:443/api/v1/namespaces/default/services/kubernetes', ['--cacert', `${sa}/ca.crt`, '-H', `Authorization: Bearer ${token}`])) as { code: number; message: string };
  t.is(viaIP.code, 403);
  t.is(viaIP.message, 'services "kubernetes" is forbidden: User "system:serviceaccount:default:default" cannot get resource "services" in API group "" in the namespace "default"');
});

/** A Service that asks for exactly this cluster IP or nodePort: refused while someone holds it, accepted once released. */
async function claim(t: ExecutionContext, spec: Partial<Service['spec']>): Promise<string | undefined> {
  try {
    await s.client.create(types.services, { metadata: { name: 'claimer' }, spec: { ports: [{ port: 80 }], ...spec } } as Service, 'migrate');
    await s.client.delete(types.services, 'claimer', 'migrate');
    return undefined;
  } catch (e) {
    t.is((e as { code?: number }).code, 422, String(e));
    return (e as Error).message;
  }
}

it.serial("the seed's migration ExternalName -> ClusterIP allocates an IP, and type changes both ways allocate and release IPs and nodePorts", async (t) => {
  const ns = await namespace('migrate');
  await apply(t, seed.extApiExternalName, ns);
  let svc = await service('ext-api-svc', ns);
  t.like(svc.spec, { type: 'ExternalName', externalName: 'google.com' });
  t.is(svc.spec.clusterIP, undefined);
  t.regex(await curlInPod('http://ext-api-svc.migrate.svc.cluster.local', ['--header', 'Host: www.google.com']), /<title>Google<\/title>/);

  // kubectl create deploy nginx --image=nginx, then the seed's ClusterIP version of ext-api-svc
  await s.client.create(types.deployments, {
    metadata: { name: 'nginx', labels: { app: 'nginx' } },
    spec: { replicas: 1, selector: { matchLabels: { app: 'nginx' } }, template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } } },
  } as KubeObject, ns);
  await readyPods(s, 'app=nginx', 1, 30_000, ns);
  await apply(t, seed.extApiClusterIP, ns);
  svc = await service('ext-api-svc', ns);
  const ip = svc.spec.clusterIP!;
  t.true(inServiceRange(ip), `ExternalName -> ClusterIP allocated ${ip}`);
  t.is(svc.spec.externalName, undefined);
  t.regex(await curlInPod('http://ext-api-svc.migrate.svc.cluster.local', ['--header', 'Host: www.google.com']), /<title>Welcome to nginx!<\/title>/);
  t.regex((await claim(t, { clusterIP: ip }))!, /provided IP is already allocated/);

  svc = await s.client.patch<Service>(types.services, 'ext-api-svc', { spec: { type: 'NodePort' } }, ns);
  const nodePort = svc.spec.ports![0]!.nodePort!;
  t.is(svc.spec.clusterIP, ip, 'ClusterIP -> NodePort keeps the IP');
  t.true(nodePort >= 30000 && nodePort <= 32767, `ClusterIP -> NodePort allocated ${nodePort}`);
  t.regex((await claim(t, { type: 'NodePort', ports: [{ port: 80, nodePort }] }))!, /provided port is already allocated/);
  t.regex((await waitFor('nginx on a node port', () => curlFrom(s, 'outside', `http://${nodeIPs[1]}:${nodePort}/`), 15_000, 500))!, /Welcome to nginx!/);

  svc = await s.client.patch<Service>(types.services, 'ext-api-svc', { spec: { type: 'ClusterIP' } }, ns);
  t.is(svc.spec.ports![0]!.nodePort, undefined, 'NodePort -> ClusterIP drops the nodePort');
  t.is(svc.spec.clusterIP, ip);
  t.is(await claim(t, { type: 'NodePort', ports: [{ port: 80, nodePort }] }), undefined, 'the nodePort was released');

  svc = await s.client.patch<Service>(types.services, 'ext-api-svc', { spec: { type: 'ExternalName', externalName: 'google.com' } }, ns);
  t.is(svc.spec.clusterIP, undefined, 'ClusterIP -> ExternalName clears the IP');
  t.is(svc.spec.clusterIPs, undefined);
  t.is(await claim(t, { clusterIP: ip }), undefined, 'the cluster IP was released');

  svc = await s.client.patch<Service>(types.services, 'ext-api-svc', { spec: { type: 'NodePort', externalName: null } }, ns);
  const [ip2, nodePort2] = [svc.spec.clusterIP!, svc.spec.ports![0]!.nodePort!];
  t.true(inServiceRange(ip2), 'ExternalName -> NodePort allocates an IP');
  t.true(nodePort2 >= 30000 && nodePort2 <= 32767, 'and a nodePort');
  t.regex(await curlInPod('http://ext-api-svc.migrate/'), /Welcome to nginx!/);

  svc = await s.client.patch<Service>(types.services, 'ext-api-svc', { spec: { type: 'ExternalName', externalName: 'google.com' } }, ns);
  t.is(svc.spec.clusterIP, undefined);
  t.is(svc.spec.ports![0]!.nodePort, undefined, 'NodePort -> ExternalName drops the nodePort');
  t.is(await claim(t, { clusterIP: ip2, type: 'NodePort', ports: [{ port: 80, nodePort: nodePort2 }] }), undefined, 'both were released');
});
