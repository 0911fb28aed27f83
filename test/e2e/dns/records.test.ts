// The cluster DNS as pods see it, with the real dig, nslookup and curl run
// inside a toolbox pod: service, pod, SRV and PTR records, the search list,
// the upstream for outside names, negative answers and refused transfers.
import test from 'ava';
import { isReady } from '../../../src/api/conditions.js';
import { types } from '../../../src/api/resources.js';
import type { Deployment, Namespace, Pod, Service } from '../../../src/api/types.js';
import { waitFor } from '../../helpers/lab.js';
import { dashed, dnsLab, soaOf, toolbox, transport, values } from './dns-lab.js';

const [it, dns] = dnsLab(test, 'dnsrec');
const SOA = 'cluster.local. 5 ns.dns.cluster.local. hostmaster.cluster.local. SERIAL 7200 1800 86400 5';
let web: Service;
let webPods: Pod[];
let asker: Pod;

it.serial.before(async () => {
  const labels = { app: 'web' };
  const deployment: Deployment = {
    metadata: { name: 'web' },
    spec: {
      replicas: 2,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { terminationGracePeriodSeconds: 2, containers: [{ name: 'main', image: 'lab/hello', readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 } }] } },
    },
  };
  await dns.client.create(types.deployments, deployment, 'default');
  web = await dns.client.create<Service>(types.services, { metadata: { name: 'web' }, spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'alt', port: 81, targetPort: 8080 }] } }, 'default');
  await dns.client.create(types.services, { metadata: { name: 'hl' }, spec: { clusterIP: 'None', selector: labels, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } }, 'default');
  await dns.client.create<Namespace>(types.namespaces, { metadata: { name: 'other' } });
  asker = await dns.runPod(toolbox('asker'));
  await dns.runPod(toolbox('far', {}, 'other'));
  webPods = await waitFor('two ready web pods', async () => {
    const pods = (await dns.client.list<Pod>(types.pods, 'default', { labelSelector: 'app=web' })).items;
    const ready = pods.filter(isReady);
    return ready.length === 2 ? ready : undefined;
  }, 30_000);
  await waitFor('the DNS to list both web pods under hl', async () => (await dns.dig('asker', ['hl.default.svc.cluster.local', 'A'])).answer.length === 2, 15_000);
  await waitFor('web answering on its cluster IP', async () => (await dns.exec('asker', ['curl', '-sS', '--max-time', '2', `http://${web.spec.clusterIP}:80/`])).exitCode === 0, 15_000);
});

it.serial('kubernetes.default.svc.cluster.local resolves over UDP (+notcp) and TCP (+tcp), authoritatively, to the kubernetes cluster IP', async (t) => {
  const kubernetes = await dns.service('kubernetes');
  for (const [flag, proto] of [['+notcp', 'UDP'], ['+tcp', 'TCP']]) {
    const r = await dns.dig('asker', [flag!, 'kubernetes.default.svc.cluster.local', 'A']);
    t.is(transport(r), proto, r.output);
    t.is(r.status, 'NOERROR', r.output);
    t.true(r.flags.includes('aa'), r.output);
    t.deepEqual(r.answer, [{ name: 'kubernetes.default.svc.cluster.local.', ttl: 5, type: 'A', data: kubernetes.spec.clusterIP! }]);
    t.regex(r.output, /;; SERVER: 10\.96\.0\.10#53\(10\.96\.0\.10\)/);
  }
});

it.serial('a pod A record a-b-c-d.<ns>.pod.cluster.local answers the pod address over UDP and TCP', async (t) => {
  const ip = asker.status!.podIP!;
  for (const flag of ['+notcp', '+tcp']) {
    const r = await dns.dig('asker', [flag, `${dashed(ip)}.default.pod.cluster.local`, 'A']);
    t.is(r.status, 'NOERROR', r.output);
    t.deepEqual(r.answer, [{ name: `${dashed(ip)}.default.pod.cluster.local.`, ttl: 5, type: 'A', data: ip }]);
  }
  const missing = await dns.dig('asker', [`${dashed(ip)}.no-such-ns.pod.cluster.local`, 'A']);
  t.is(missing.status, 'NXDOMAIN', missing.output);
});

it.serial('partial names resolve through the search list of resolv.conf (ndots:5): svc, svc.ns and svc.ns.svc', async (t) => {
  t.is((await dns.exec('asker', ['cat', '/etc/resolv.conf'])).stdout, 'nameserver 10.96.0.10\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n');
  const ip = web.spec.clusterIP!;
  for (const name of ['web', 'web.default', 'web.default.svc']) {
    const r = await dns.dig('asker', ['+search', name, 'A']);
    t.deepEqual(r.answer, [{ name: 'web.default.svc.cluster.local.', ttl: 5, type: 'A', data: ip }], name);
    const libc = await dns.exec('asker', ['getent', 'hosts', name]);
    t.regex(libc.stdout, new RegExp(`^${ip.replaceAll('.', '\\.')} +web\\.default\\.svc\\.cluster\\.local\\n$`), name);
  }
  const nslookup = await dns.exec('asker', ['nslookup', 'web.default']);
  t.regex(nslookup.stdout, new RegExp(`Name:\\tweb\\.default\\.svc\\.cluster\\.local\\nAddress: ${ip.replaceAll('.', '\\.')}\\n`), nslookup.stdout);
  // From another namespace the bare name is not found; the namespace-qualified one is.
  const bare = await dns.dig('far', ['+search', 'web', 'A'], 'other');
  t.is(bare.status, 'NXDOMAIN', bare.output);
  t.deepEqual(values((await dns.dig('far', ['+search', 'web.default', 'A'], 'other')).answer, 'A'), [ip]);
});

it.serial('curl http://<service>:<port>/ from a pod reaches a backend through the name', async (t) => {
  const names = webPods.map((p) => p.metadata.name!);
  for (const url of ['http://web:80/', 'http://web.default:81/', 'http://web.default.svc.cluster.local/']) {
    const r = await dns.exec('asker', ['curl', '-sS', '--max-time', '5', url]);
    t.is(r.exitCode, 0, `${url}: ${r.stderr}`);
    const pod = /^Hello from (\S+) at /.exec(r.stdout)?.[1];
    t.true(pod !== undefined && names.includes(pod), `${url}: ${r.stdout}`);
  }
});

it.serial('SRV records exist for named ports: a ClusterIP service points at itself, a headless one at each ready pod', async (t) => {
  const ip = web.spec.clusterIP!;
  const http = await dns.dig('asker', ['_http._tcp.web.default.svc.cluster.local', 'SRV']);
  t.deepEqual(http.answer, [{ name: '_http._tcp.web.default.svc.cluster.local.', ttl: 5, type: 'SRV', data: '0 100 80 web.default.svc.cluster.local.' }]);
  t.deepEqual(http.additional, [{ name: 'web.default.svc.cluster.local.', ttl: 5, type: 'A', data: ip }]);
  const all = await dns.dig('asker', ['web.default.svc.cluster.local', 'SRV']);
  t.deepEqual(values(all.answer, 'SRV'), ['0 50 80 web.default.svc.cluster.local.', '0 50 81 web.default.svc.cluster.local.']);
  t.is((await dns.dig('asker', ['_ftp._tcp.web.default.svc.cluster.local', 'SRV'])).status, 'NXDOMAIN');
  t.is((await dns.dig('asker', ['_http._udp.web.default.svc.cluster.local', 'SRV'])).status, 'NXDOMAIN');

  const podIPs = webPods.map((p) => p.status!.podIP!).sort();
  const headless = await dns.dig('asker', ['_http._tcp.hl.default.svc.cluster.local', 'SRV']);
  t.deepEqual(values(headless.answer, 'SRV'), podIPs.map((p) => `0 50 8080 ${dashed(p)}.hl.default.svc.cluster.local.`).sort());
  t.deepEqual(headless.additional.map((a) => `${a.name} ${a.data}`).sort(), podIPs.map((p) => `${dashed(p)}.hl.default.svc.cluster.local. ${p}`).sort());
});

it.serial('a headless service answers one A record per ready pod, and each pod by its dashed name', async (t) => {
  const podIPs = webPods.map((p) => p.status!.podIP!).sort();
  const r = await dns.dig('asker', ['hl.default.svc.cluster.local', 'A']);
  t.deepEqual(values(r.answer, 'A'), podIPs);
  for (const ip of podIPs) t.deepEqual(values((await dns.dig('asker', [`${dashed(ip)}.hl.default.svc.cluster.local`, 'A'])).answer, 'A'), [ip]);
});

it.serial('PTR of a cluster IP names the service; PTR of a pod IP names the pod under each service it backs', async (t) => {
  const ptr = async (ip: string): Promise<string[]> => values((await dns.dig('asker', ['-x', ip])).answer, 'PTR');
  t.deepEqual(await ptr(web.spec.clusterIP!), ['web.default.svc.cluster.local.']);
  t.deepEqual(await ptr('10.96.0.10'), ['kube-dns.kube-system.svc.cluster.local.']);
  t.deepEqual(await ptr('10.96.0.1'), ['kubernetes.default.svc.cluster.local.']);
  const ip = webPods[0]!.status!.podIP!;
  t.deepEqual(await ptr(ip), [`${dashed(ip)}.hl.default.svc.cluster.local.`, `${dashed(ip)}.web.default.svc.cluster.local.`]);
});

it.serial('names outside the cluster zone are answered through the lab upstream, not authoritatively', async (t) => {
  for (const name of ['example.com', 'my.database.example.com', 'www.google.com']) {
    const r = await dns.dig('asker', [name, 'A']);
    t.is(r.status, 'NOERROR', r.output);
    t.false(r.flags.includes('aa'), r.output);
    t.true(r.flags.includes('ra'), r.output);
    t.deepEqual(values(r.answer, 'A'), ['203.0.113.10'], name);
  }
  t.is((await dns.dig('asker', ['nothing.example.org', 'A'])).status, 'NXDOMAIN');
  const page = await dns.exec('asker', ['curl', '-sS', '--max-time', '5', 'http://my.database.example.com/']);
  t.regex(page.stdout, /^Hello from the external server my\.database\.example\.com on port 80; you are /, page.stderr);
});

it.serial('NODATA and NXDOMAIN answers of the cluster zone carry its SOA in authority', async (t) => {
  const cases: [string, string, string][] = [
    ['svc.cluster.local', 'A', 'NOERROR'],
    ['pod.cluster.local', 'A', 'NOERROR'],
    ['default.svc.cluster.local', 'A', 'NOERROR'],
    ['web.default.svc.cluster.local', 'AAAA', 'NOERROR'],
    ['web.default.svc.cluster.local', 'TXT', 'NOERROR'],
    ['nope.default.svc.cluster.local', 'A', 'NXDOMAIN'],
    ['web.no-such-ns.svc.cluster.local', 'A', 'NXDOMAIN'],
    ['no-such-ns.svc.cluster.local', 'A', 'NXDOMAIN'],
    ['foo.cluster.local', 'A', 'NXDOMAIN'],
    ['x.web.default.svc.cluster.local', 'A', 'NXDOMAIN'],
    ['x.hl.default.svc.cluster.local', 'A', 'NXDOMAIN'],
  ];
  for (const [name, type, status] of cases) {
    const r = await dns.dig('asker', [name, type]);
    t.is(r.status, status, `${name} ${type}`);
    t.deepEqual(r.answer, [], `${name} ${type}`);
    t.is(soaOf(r), SOA, `${name} ${type}`);
    t.true(r.flags.includes('aa'), `${name} ${type}`);
  }
});

it.serial('zone transfers (AXFR, IXFR) are refused', async (t) => {
  for (const args of [['axfr', 'cluster.local'], ['ixfr=1', 'cluster.local'], ['axfr', 'default.svc.cluster.local']]) {
    const r = await dns.dig('asker', ['+comments', ...args]);
    t.is(r.status, 'REFUSED', r.output);
    t.deepEqual(r.answer, []);
  }
});

it.serial('dnsPolicy None with dnsConfig puts exactly those servers, searches and options into resolv.conf, and the pod resolves with them', async (t) => {
  await dns.runPod(toolbox('custom', {
    dnsPolicy: 'None',
    dnsConfig: { nameservers: ['203.0.113.53'], searches: ['example.com', 'corp.example'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] },
  }));
  t.is((await dns.exec('custom', ['cat', '/etc/resolv.conf'])).stdout, 'nameserver 203.0.113.53\nsearch example.com corp.example\noptions ndots:2 edns0\n');
  // my.database has one dot (< ndots:2): tried with the search list first, so it becomes my.database.example.com at the upstream.
  t.regex((await dns.exec('custom', ['getent', 'hosts', 'my.database'])).stdout, /^203\.0\.113\.10 +my\.database\.example\.com\n$/);
  const cluster = await dns.exec('custom', ['getent', 'hosts', 'kubernetes.default.svc.cluster.local']);
  t.is(cluster.exitCode, 2, 'the cluster zone is unknown to the only nameserver the pod has');
});
