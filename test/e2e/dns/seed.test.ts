// The seed tutorial's DNS walk-through (seeds/004: services chapter), with its
// own YAML: `kubectl exec <ms-bye pod> -- busybox nslookup ...`, nc, wget and
// curl by service name, the headless service listing the pods, the ExternalName
// service and its migration to a ClusterIP service. Addresses are the lab's own.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { isReady } from '../../../src/api/conditions.js';
import { types } from '../../../src/api/resources.js';
import type { Pod } from '../../../src/api/types.js';
import { labDir } from '../../../src/lab/state.js';
import { byeDeployment, byeHelloServices, extApiClusterIP, extApiExternalName, headless, helloDeployment, nodePort } from '../../fixtures/seed-manifests.js';
import { lab, waitFor } from '../../helpers/lab.js';
import { dashed, dnsLab } from './dns-lab.js';

const [it, dns] = dnsLab(test, 'dnsseed');

// The manifests as the seed prints them, and its migration of ext-api-svc into the cluster.
const SEED_YAML = [byeDeployment, helloDeployment, byeHelloServices, headless, nodePort, extApiExternalName].join('---\n');
const MIGRATED_YAML = extApiClusterIP;

let byePod: string;
let helloIPs: string[];

async function ready(selector: string, count: number): Promise<Pod[]> {
  return waitFor(`${count} ready pods ${selector}`, async () => {
    const pods = (await dns.client.list<Pod>(types.pods, 'default', { labelSelector: selector })).items;
    return pods.length === count && pods.every(isReady) ? pods : undefined;
  }, 30_000);
}

/** `lab apply -f` of a manifest kept in the lab's state directory (removed by `lab down`). */
async function apply(yaml: string): Promise<void> {
  const file = path.join(labDir(dns.name), 'seed.yaml');
  fs.writeFileSync(file, yaml);
  const r = await lab(['apply', '--name', dns.name, '-f', file]);
  if (r.exitCode !== 0) throw new Error(String(r.all));
}

/** busybox nslookup's answers for a name, as [name, address] pairs; busybox also prints the misses of the other search domains. */
async function busyboxLookup(name: string): Promise<{ server: string; answers: string[][]; output: string }> {
  const r = await dns.exec(byePod, ['busybox', 'nslookup', name]);
  const server = /^Server:\s+(\S+)$/m.exec(r.stdout)?.[1] ?? '';
  const answers = [...r.stdout.matchAll(/^Name:\s+(\S+)\nAddress: (\S+)$/gm)].map((m) => [m[1]!, m[2]!]);
  return { server, answers, output: r.stdout + r.stderr };
}

/** busybox nslookup of an address: the names of its PTR records. */
async function busyboxReverse(ip: string): Promise<string[]> {
  const r = await dns.exec(byePod, ['busybox', 'nslookup', ip]);
  return [...r.stdout.matchAll(/\tname = (\S+)$/gm)].map((m) => m[1]!).sort();
}

it.serial.before(async () => {
  await apply(SEED_YAML);
  byePod = (await ready('app=ms-bye-pods', 2))[0]!.metadata.name!;
  helloIPs = (await ready('app=ms-hello-pods', 2)).map((p) => p.status!.podIP!).sort();
  // The proxy rules follow the endpoints a moment later.
  for (const svc of ['ms-hello-svc', 'np-hello-svc']) {
    await waitFor(`${svc}:17 answering`, async () => (await dns.exec(byePod, ['curl', '-sS', '--max-time', '2', `${svc}:17`])).exitCode === 0, 15_000);
  }
});

it.serial('busybox nslookup ms-hello-svc from an ms-bye pod: server 10.96.0.10 (kube-dns), the service name and its cluster IP', async (t) => {
  const ip = (await dns.service('ms-hello-svc')).spec.clusterIP!;
  const r = await busyboxLookup('ms-hello-svc');
  t.is(r.server, '10.96.0.10', r.output);
  t.deepEqual(r.answers, [['ms-hello-svc.default.svc.cluster.local', ip]], r.output);
  // The seed's "Address 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local".
  t.deepEqual(await busyboxReverse('10.96.0.10'), ['kube-dns.kube-system.svc.cluster.local']);
  t.deepEqual(await busyboxReverse(ip), ['ms-hello-svc.default.svc.cluster.local']);
});

it.serial('busybox nslookup headless-hello-svc lists the two ms-hello pods; their PTRs name them under ms-hello-svc as in the seed', async (t) => {
  // Ready pods reach the DNS through their EndpointSlice: allow it a bounded moment.
  const r = await waitFor('headless-hello-svc to list two pods', async () => {
    const lookup = await busyboxLookup('headless-hello-svc');
    return lookup.answers.length === 2 && lookup;
  }, 15_000);
  t.deepEqual(r.answers.map(([name]) => name), ['headless-hello-svc.default.svc.cluster.local', 'headless-hello-svc.default.svc.cluster.local'], r.output);
  t.deepEqual(r.answers.map(([, ip]) => ip).sort(), helloIPs, r.output);
  // One PTR per service the pod backs (np-hello-svc too: this lab has all the seed's services at once).
  for (const ip of helloIPs) {
    t.deepEqual(await busyboxReverse(ip), ['headless-hello-svc', 'ms-hello-svc', 'np-hello-svc'].map((svc) => `${dashed(ip)}.${svc}.default.svc.cluster.local`));
  }
});

it.serial('busybox nslookup np-hello-svc gives the NodePort service its own cluster IP, and curl np-hello-svc:17 answers', async (t) => {
  const np = await dns.service('np-hello-svc');
  t.not(np.spec.clusterIP, (await dns.service('ms-hello-svc')).spec.clusterIP);
  t.deepEqual((await busyboxLookup('np-hello-svc')).answers, [['np-hello-svc.default.svc.cluster.local', np.spec.clusterIP!]]);
  const r = await dns.exec(byePod, ['curl', '-sS', '--max-time', '5', 'np-hello-svc:17']);
  t.is(r.stdout, 'This is the hello world custom node parent', r.stderr);
});

it.serial('nc -zv and wget reach ms-hello-svc:17 by name, resolved to its cluster IP', async (t) => {
  const ip = (await dns.service('ms-hello-svc')).spec.clusterIP!;
  const nc = await dns.exec(byePod, ['nc', '-zv', '-w', '3', 'ms-hello-svc', '17']);
  t.is(nc.exitCode, 0, nc.stderr);
  t.is(nc.stderr, `Connection to ms-hello-svc (${ip}) 17 port [tcp/qotd] succeeded!\n`);
  const wget = await dns.exec(byePod, ['wget', '-O-', 'ms-hello-svc:17']);
  t.is(wget.stdout, 'This is the hello world custom node parent');
  t.true(wget.stderr.includes(`Resolving ms-hello-svc (ms-hello-svc)... ${ip}\n`), wget.stderr);
  t.true(wget.stderr.includes(`Connecting to ms-hello-svc (ms-hello-svc)|${ip}|:17... connected.\n`), wget.stderr);
});

it.serial('ext-api-svc (ExternalName google.com) is a CNAME reached directly; migrated to a ClusterIP over nginx it serves nginx', async (t) => {
  const google = await dns.exec(byePod, ['curl', '-sS', '--max-time', '5', 'ext-api-svc.default.svc.cluster.local', '--header', 'Host: www.google.com']);
  t.regex(google.stdout, /<title>Google<\/title>/, google.stderr);
  const cname = await dns.dig(byePod, ['ext-api-svc.default.svc.cluster.local', 'A']);
  t.deepEqual(cname.answer.map((a) => `${a.type} ${a.data}`), ['CNAME google.com.', 'A 203.0.113.10']);

  await dns.client.create(types.deployments, {
    metadata: { name: 'nginx', labels: { app: 'nginx' } },
    spec: { replicas: 1, selector: { matchLabels: { app: 'nginx' } }, template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } } },
  }, 'default');
  await ready('app=nginx', 1);
  await apply(MIGRATED_YAML);
  const ip = (await dns.service('ext-api-svc')).spec.clusterIP!;
  await waitFor('ext-api-svc to answer an A record', async () => (await dns.dig(byePod, ['ext-api-svc.default.svc.cluster.local', 'A'])).answer[0]?.type === 'A', 15_000);
  t.deepEqual((await dns.dig(byePod, ['ext-api-svc.default.svc.cluster.local', 'A'])).answer.map((a) => `${a.type} ${a.data}`), [`A ${ip}`]);
  const page = await waitFor('nginx through ext-api-svc', async () => {
    const r = await dns.exec(byePod, ['curl', '-sS', '--max-time', '3', 'ext-api-svc.default.svc.cluster.local', '--header', 'Host: www.google.com']);
    return r.exitCode === 0 && r.stdout;
  }, 15_000);
  t.regex(page, /<h1>Welcome to nginx!<\/h1>/);
});
