// DNS answers follow the cluster: headless services list the pods that are
// ready right now, pods with hostname+subdomain get stable names, and
// ExternalName services change with their externalName and their type.
import test from 'ava';
import { types } from '../../../src/api/resources.js';
import type { Pod, Service } from '../../../src/api/types.js';
import { waitFor } from '../../helpers/lab.js';
import { dnsLab, toolbox, values } from './dns-lab.js';

const [it, dns] = dnsLab(test, 'dnschg');

/** The A records a name has right now, or its status when it has none. */
async function addresses(name: string): Promise<string[] | string> {
  const r = await dns.dig('asker', [name, 'A']);
  return r.status === 'NOERROR' && r.answer.length ? values(r.answer, 'A') : r.status;
}

/** Waits (bounded) until `name` answers `want`: sorted addresses, or a status such as NXDOMAIN. */
async function answers(name: string, want: string[] | string): Promise<void> {
  const expected = JSON.stringify(Array.isArray(want) ? [...want].sort() : want);
  let last: string[] | string = '';
  await waitFor(`${name} to answer ${expected}`, async () => {
    last = await addresses(name);
    return JSON.stringify(last) === expected;
  }, 15_000).catch((e: Error) => {
    throw new Error(`${e.message}; last answer ${JSON.stringify(last)}`);
  });
}

it.serial.before(async () => {
  await dns.runPod(toolbox('asker'));
});

it.serial('a headless service lists exactly its ready pods as they come, turn unready, and go; none ready is NXDOMAIN', async (t) => {
  // Readiness is a file in the pod's own /tmp, made by the container at start or by an exec.
  const peer = (name: string, ready: boolean): Pod => ({
    metadata: { name, labels: { app: 'peer' } },
    spec: {
      containers: [{ name: 'main', image: 'lab/toolbox', command: ['sh', '-c', `${ready ? 'touch /tmp/ready; ' : ''}exec sleep infinity`], readinessProbe: { exec: { command: ['test', '-e', '/tmp/ready'] }, periodSeconds: 1, failureThreshold: 1 } }],
    },
  });
  const setReady = async (pod: string, ready: boolean): Promise<void> => {
    const r = await dns.exec(pod, ready ? ['touch', '/tmp/ready'] : ['rm', '/tmp/ready']);
    if (r.exitCode !== 0) throw new Error(`${pod}: ${r.stderr}`);
  };
  const ports = [{ name: 'http', port: 80, targetPort: 8080 }];
  await dns.client.create(types.services, { metadata: { name: 'peers' }, spec: { clusterIP: 'None', selector: { app: 'peer' }, ports } }, 'default');
  await dns.client.create(types.services, { metadata: { name: 'peers-all' }, spec: { clusterIP: 'None', selector: { app: 'peer' }, ports, publishNotReadyAddresses: true } }, 'default');
  const name = 'peers.default.svc.cluster.local';
  await answers(name, 'NXDOMAIN');

  const one = (await dns.runPod(peer('peer-1', false), { ready: false })).status!.podIP!;
  await answers('peers-all.default.svc.cluster.local', [one]);
  t.deepEqual(await addresses(name), 'NXDOMAIN', 'an unready pod is not listed');

  await setReady('peer-1', true);
  await answers(name, [one]);
  const two = (await dns.runPod(peer('peer-2', true))).status!.podIP!;
  await answers(name, [one, two]);

  await setReady('peer-1', false);
  await answers(name, [two]);
  await answers('peers-all.default.svc.cluster.local', [one, two]);

  await dns.client.delete(types.pods, 'peer-2', 'default');
  await answers(name, 'NXDOMAIN');
  const nx = await dns.dig('asker', [name, 'A']);
  t.true(nx.authority.some((a) => a.type === 'SOA' && a.name === 'cluster.local.'), nx.output);

  await setReady('peer-1', true);
  await answers(name, [one]);
});

it.serial('a pod with hostname and subdomain gets <hostname>.<subdomain>.<ns>.svc records, a PTR, an SRV target and the matching /etc/hosts line', async (t) => {
  await dns.client.create(types.services, { metadata: { name: 'sub' }, spec: { clusterIP: 'None', selector: { app: 'named' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } }, 'default');
  const pod = await dns.runPod({
    metadata: { name: 'named', labels: { app: 'named' } },
    spec: { hostname: 'alpha', subdomain: 'sub', containers: [{ name: 'main', image: 'lab/hello', readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 } }] },
  });
  const ip = pod.status!.podIP!;
  await answers('alpha.sub.default.svc.cluster.local', [ip]);
  t.deepEqual(values((await dns.dig('asker', ['-x', ip])).answer, 'PTR'), ['alpha.sub.default.svc.cluster.local.']);
  t.deepEqual(values((await dns.dig('asker', ['_http._tcp.sub.default.svc.cluster.local', 'SRV'])).answer, 'SRV'), ['0 100 8080 alpha.sub.default.svc.cluster.local.']);
  // Through the search list, as another pod of the namespace would name it.
  t.deepEqual(values((await dns.dig('asker', ['+search', 'alpha.sub', 'A'])).answer, 'A'), [ip]);
  const hosts = (await dns.exec('named', ['cat', '/etc/hosts'])).stdout;
  t.true(hosts.split('\n').includes(`${ip}\talpha.sub.default.svc.cluster.local\talpha`), hosts);
  t.is((await dns.exec('named', ['hostname'])).stdout, 'alpha\n');
  const r = await dns.exec('asker', ['curl', '-sS', '--max-time', '5', 'http://alpha.sub:8080/json']);
  t.like(JSON.parse(r.stdout), { pod: 'alpha', ip }, 'the pod answers as its hostname');
});

it.serial('an ExternalName service answers a CNAME plus the target A from the upstream; a new externalName changes it; ClusterIP turns it into an A record', async (t) => {
  await dns.client.create(types.services, { metadata: { name: 'db' }, spec: { type: 'ExternalName', externalName: 'my.database.example.com' } }, 'default');
  const name = 'db.default.svc.cluster.local';
  const records = async (): Promise<string[]> => (await dns.dig('asker', [name, 'A'])).answer.map((a) => `${a.name} ${a.type} ${a.data}`);
  await waitFor('the CNAME', async () => (await records()).length > 0, 15_000);
  t.deepEqual(await records(), ['db.default.svc.cluster.local. CNAME my.database.example.com.', 'my.database.example.com. A 203.0.113.10']);
  const page = await dns.exec('asker', ['curl', '-sS', '--max-time', '5', 'http://db/']);
  t.regex(page.stdout, /^Hello from the external server db on port 80; you are /, page.stderr);

  await dns.client.patch(types.services, 'db', { spec: { externalName: 'www.google.com' } }, 'default');
  await waitFor('the new CNAME', async () => (await records())[0]?.endsWith('CNAME www.google.com.'), 15_000);
  t.deepEqual(await records(), ['db.default.svc.cluster.local. CNAME www.google.com.', 'www.google.com. A 203.0.113.10']);
  // A target the upstream does not know leaves the CNAME on its own.
  await dns.client.patch(types.services, 'db', { spec: { externalName: 'nowhere.example.org' } }, 'default');
  await waitFor('the dangling CNAME', async () => (await records())[0]?.endsWith('CNAME nowhere.example.org.'), 15_000);
  t.deepEqual(await records(), ['db.default.svc.cluster.local. CNAME nowhere.example.org.']);

  await dns.runPod({ metadata: { name: 'db-0', labels: { app: 'db' } }, spec: { containers: [{ name: 'main', image: 'lab/hello', readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 } }] } });
  const svc = await dns.client.patch<Service>(types.services, 'db', { spec: { type: 'ClusterIP', externalName: null, selector: { app: 'db' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } }, 'default');
  t.regex(svc.spec.clusterIP ?? '', /^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
  await waitFor('the A record', async () => (await records())[0]?.includes(' A '), 15_000);
  t.deepEqual(await records(), [`db.default.svc.cluster.local. A ${svc.spec.clusterIP}`]);
  const app = await waitFor('db-0 through the service', async () => {
    const r = await dns.exec('asker', ['curl', '-sS', '--max-time', '3', 'http://db/json']);
    return r.exitCode === 0 ? JSON.parse(r.stdout) : undefined;
  }, 15_000);
  t.like(app, { pod: 'db-0' });
});
