// Ingress and Gateway API end to end: one lab with the ingress-nginx addon (real nginx in the
// controller pod behind a LoadBalancer Service), real kubectl, and real HTTP/HTTPS from the
// outside host to the load-balancer address.
import test from 'ava';
import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { Gateway, HTTPRoute, Ingress } from '../../../src/api/networking.js';
import { types } from '../../../src/api/resources.js';
import type { KubeObject, Service } from '../../../src/api/types.js';
import { lab, waitFor } from '../../helpers/lab.js';
import { e2e } from '../../helpers/root.js';
import { exists, onHost, readyPods, refusal, useLab } from '../workloads/lab-session.js';

const it = e2e(test);
const s = useLab(it, 'ing', ['--nodes', '2', '--ingress']);
let address = '';

async function kubectl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await lab(['kubectl', '--name', s.name, ...args]);
  return { code: r.exitCode ?? -1, out: String(r.stdout), err: String(r.stderr) };
}

function app(name: string, replicas: number): KubeObject[] {
  const labels = { app: name };
  return [
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, labels }, spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name, image: 'lab/hello' }] } } } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] } },
  ];
}

async function create(...objects: KubeObject[]): Promise<void> {
  for (const o of objects) {
    const t = o.kind === 'Deployment' ? types.deployments : o.kind === 'Service' ? types.services : o.kind === 'Ingress' ? types.ingresses : o.kind === 'Gateway' ? types.gateways : o.kind === 'HTTPRoute' ? types.httproutes : types.secrets;
    await s.client.create(t, o, 'default');
  }
}

interface Reply {
  status: number;
  body: string;
}

/** One request from the outside host with curl; `resolve` pins a name to the load-balancer address (SNI and Host). */
async function request(url: string, opts: { host?: string; headers?: Record<string, string>; curl?: string[] } = {}): Promise<Reply | undefined> {
  const args = ['curl', '-sS', '--max-time', '3', '-o', '-', '-w', '\n%{http_code}', ...(opts.curl ?? [])];
  if (opts.host) args.push('-H', `Host: ${opts.host}`);
  for (const [k, v] of Object.entries(opts.headers ?? {})) args.push('-H', `${k}: ${v}`);
  const r = await onHost(s, 'outside', [...args, url]);
  if (r.exitCode !== 0) return undefined;
  const cut = r.stdout.lastIndexOf('\n');
  return { status: Number(r.stdout.slice(cut + 1)), body: r.stdout.slice(0, cut) };
}

/** Which app answered ("web", "api", ...: lab/hello says "Hello from <pod>"), or the status when it was not 200. */
async function who(pathname: string, host: string, headers?: Record<string, string>): Promise<string> {
  const r = await request(`http://${address}${pathname}`, { host, headers });
  if (!r) return 'no answer';
  if (r.status !== 200) return String(r.status);
  return /^Hello from (\w+)-/.exec(r.body)?.[1] ?? r.body;
}

/**
 * Retries until the controller has served the change (its reload follows the watch), three times in a
 * row: right after a reload an old nginx worker that has not yet seen its shutdown message still
 * accepts connections with the old configuration (a CI run got the old 404 just after the new answer).
 */
function served(what: string, pathname: string, host: string, want: string, headers?: Record<string, string>): Promise<string> {
  let streak = 0;
  return waitFor(what, async () => {
    streak = (await who(pathname, host, headers)) === want ? streak + 1 : 0;
    return streak >= 3 ? want : undefined;
  }, 20_000, 100);
}

it.serial.before(async () => {
  await create(...app('web', 2), ...app('api', 1), ...app('other', 1));
  // A Service whose pods never become ready: its Ingress answers 503.
  await create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'empty' }, spec: { selector: { app: 'nothing' }, ports: [{ port: 80, targetPort: 8080 }] } });
  await readyPods(s, 'app in (web,api,other)', 4);
  const svc = await s.client.get<Service>(types.services, 'ingress-nginx-controller', 'ingress-nginx');
  address = svc.status!.loadBalancer!.ingress![0]!.ip!;
});

it.serial('kubectl create ingress: the default class is filled in, ADDRESS is the controller\'s load-balancer address, traffic reaches the pods with Host and X-Forwarded-For', async (t) => {
  const created = await kubectl('create', 'ingress', 'web', '--rule=web.example.com/*=web:80');
  t.is(created.code, 0, created.err);
  const ing = await s.client.get<Ingress>(types.ingresses, 'web', 'default');
  t.is(ing.spec.ingressClassName, 'nginx');
  t.deepEqual(ing.spec.rules, [{ host: 'web.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }]);
  await waitFor('the ingress address', async () => (await s.client.get<Ingress>(types.ingresses, 'web', 'default')).status?.loadBalancer?.ingress?.[0]?.ip === address, 20_000);
  const table = await kubectl('get', 'ingress', 'web');
  t.regex(table.out, /^NAME\s+CLASS\s+HOSTS\s+ADDRESS\s+PORTS\s+AGE\n/);
  t.regex(table.out, new RegExp(`\\nweb\\s+nginx\\s+web\\.example\\.com\\s+${address.replace(/\./g, '\\.')}\\s+80\\s+\\d+s$`));
  const r = await waitFor('web.example.com through the ingress', async () => {
    const x = await request(`http://${address}/json`, { host: 'web.example.com' });
    return x?.status === 200 ? x : undefined;
  }, 20_000, 200);
  const seen = JSON.parse(r.body) as { pod: string; headers: Record<string, string> };
  t.regex(seen.pod, /^web-/);
  t.is(seen.headers.host, 'web.example.com');
  t.is(seen.headers['x-forwarded-for'], '203.0.113.2', 'the outside host\'s address (externalTrafficPolicy Local keeps it)');
  t.is(seen.headers['x-forwarded-proto'], 'http');
  // Both replicas serve (upstreams are endpoint IPs, not the cluster IP).
  const pods = new Set<string>();
  for (let i = 0; i < 10; i++) pods.add(JSON.parse((await request(`http://${address}/json`, { host: 'web.example.com' }))!.body).pod);
  t.is(pods.size, 2, [...pods].join(' '));
  t.is(await who('/', 'unknown.example.com'), '404', 'a host no rule names gets the 404 default backend');
  // A change that renders the same configuration (a label) does not reload nginx.
  const reloads = async (): Promise<number> => {
    const [pod] = await readyPods(s, 'app.kubernetes.io/name=ingress-nginx', 1, 10_000, 'ingress-nginx');
    const log = await s.client.request<string>('GET', `/api/v1/namespaces/ingress-nginx/pods/${pod!.metadata.name}/log`);
    return log.split('\n').filter((l) => /configuration (loaded|reloaded)/.test(l)).length;
  };
  const before = await reloads();
  await s.client.patch(types.ingresses, 'web', { metadata: { labels: { team: 'a' } } }, 'default');
  await new Promise((r) => setTimeout(r, 1000));
  t.is(await reloads(), before);
});

it.serial('fan-out by path: longest path wins, Exact beats Prefix on a tie, Prefix matches whole path elements', async (t) => {
  const path = (p: string, pathType: string, service: string): unknown => ({ path: p, pathType, backend: { service: { name: service, port: { number: 80 } } } });
  await create({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'fanout' },
    spec: { rules: [{ host: 'fan.example.com', http: { paths: [path('/api', 'Prefix', 'api'), path('/api/v1', 'Exact', 'other'), path('/web', 'Prefix', 'api'), path('/web', 'Exact', 'web'), path('/', 'Prefix', 'other')] } }] },
  } as KubeObject);
  await served('the fan-out ingress', '/api', 'fan.example.com', 'api');
  const cases: [string, string][] = [
    ['/api', 'api'],
    ['/api/', 'api'],
    ['/api/users', 'api'],
    ['/apis', 'other'], // not an element-wise prefix of /apis: falls to "/"
    ['/api/v1', 'other'], // Exact, longer
    ['/api/v1/x', 'api'], // Exact matches only itself
    ['/web', 'web'], // Exact beats Prefix on the same path
    ['/web/x', 'api'],
    ['/', 'other'],
  ];
  for (const [p, want] of cases) t.is(await who(p, 'fan.example.com'), want, p);
});

it.serial('name-based hosting; a wildcard host matches exactly one label; defaultBackend serves what no rule matches', async (t) => {
  await create({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'hosts' },
    spec: {
      defaultBackend: { service: { name: 'other', port: { number: 80 } } },
      rules: [
        { host: 'api.example.net', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'api', port: { number: 80 } } } }] } },
        { host: '*.example.net', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } },
      ],
    },
  } as KubeObject);
  await served('the hosts ingress', '/', 'api.example.net', 'api');
  t.is(await who('/', 'www.example.net'), 'web');
  t.is(await who('/', 'a.b.example.net'), 'other', 'two labels do not match *.example.net: the default backend answers');
  t.is(await who('/', 'nowhere.test'), 'other');
  await s.client.delete(types.ingresses, 'hosts', 'default');
  await served('the default backend gone', '/', 'nowhere.test', '404');
});

it.serial('a backend without ready endpoints answers 503; it serves as soon as one is ready', async (t) => {
  await create({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'empty' },
    spec: { rules: [{ host: 'empty.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'empty', port: { number: 80 } } } }] } }] },
  } as KubeObject);
  t.is(await served('503 for the empty service', '/', 'empty.example.com', '503'), '503');
  await s.client.patch(types.services, 'empty', { spec: { selector: { app: 'other' } } }, 'default');
  t.is(await served('the service with an endpoint', '/', 'empty.example.com', 'other'), 'other');
});

it.serial('TLS by SNI from a kubernetes.io/tls Secret: curl verifies the lab-issued certificate', async (t) => {
  const dir = path.join(s.scratch, 'tls');
  fs.mkdirSync(dir);
  const ssl = (...args: string[]): Promise<unknown> => execa('openssl', args, { cwd: dir });
  await ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=svclab lab CA', '-keyout', 'ca.key', '-out', 'ca.crt');
  await ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=secure.example.com', '-keyout', 'tls.key', '-out', 'tls.csr');
  fs.writeFileSync(path.join(dir, 'ext'), 'subjectAltName=DNS:secure.example.com\n');
  await ssl('x509', '-req', '-in', 'tls.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'ext', '-out', 'tls.crt');
  const secret = await kubectl('create', 'secret', 'tls', 'secure-tls', `--cert=${dir}/tls.crt`, `--key=${dir}/tls.key`);
  t.is(secret.code, 0, secret.err);
  await create({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'secure' },
    spec: { tls: [{ hosts: ['secure.example.com'], secretName: 'secure-tls' }], rules: [{ host: 'secure.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'api', port: { number: 80 } } } }] } }] },
  } as KubeObject);
  const https = (host: string): Promise<Reply | undefined> => request(`https://${host}/json`, { curl: ['--cacert', `${dir}/ca.crt`, '--resolve', `${host}:443:${address}`] });
  const r = await waitFor('HTTPS with a verified certificate', async () => (await https('secure.example.com'))?.status === 200 && https('secure.example.com'), 20_000, 200);
  const seen = JSON.parse(r!.body) as { pod: string; headers: Record<string, string> };
  t.regex(seen.pod, /^api-/);
  t.is(seen.headers['x-forwarded-proto'], 'https');
  t.is(await https('web.example.com'), undefined, 'no certificate for a host without TLS: the handshake fails');
  const plain = await request(`http://${address}/x?y=1`, { host: 'secure.example.com', curl: ['-D', '-'] });
  t.is(plain?.status, 308, 'plain HTTP to a TLS host is redirected, as ingress-nginx does');
  t.regex(plain!.body, /^Location: https:\/\/secure\.example\.com\/x\?y=1\r?$/im);
  t.regex((await kubectl('get', 'ingress', 'secure')).out, /\s80, 443\s/);
});

it.serial('invalid Ingresses are refused with upstream\'s wording and nothing is stored', async (t) => {
  const bad = (name: string, spec: unknown): Promise<unknown> => s.client.create(types.ingresses, { metadata: { name }, spec } as KubeObject, 'default');
  const noType = await refusal(t, bad('no-type', { rules: [{ host: 'x.example.com', http: { paths: [{ path: '/', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] }));
  t.is(noType.code, 422);
  t.is(noType.message, 'Ingress.networking.k8s.io "no-type" is invalid: spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified');
  const ip = await kubectl('create', 'ingress', 'by-ip', '--rule=10.0.0.1/=web:80');
  t.regex(ip.err, /spec\.rules\[0\]\.host: Invalid value: "10\.0\.0\.1": must be a DNS name, not an IP address/);
  t.false(await exists(s, types.ingresses, 'no-type', 'default'));
  t.false(await exists(s, types.ingresses, 'by-ip', 'default'));
});

it.serial('Gateway API: an HTTPRoute splits traffic by weight (canary), a header match pins the canary, status as upstream writes it', async (t) => {
  // As a user would: kubectl apply -f of a manifest (the Gateway API docs' canary shape).
  const manifest = path.join(s.scratch, 'canary.yaml');
  fs.writeFileSync(manifest, [
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw' }, spec: { gatewayClassName: 'nginx', listeners: [{ name: 'http', protocol: 'HTTP', port: 80 }] } },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'canary' },
      spec: {
        parentRefs: [{ name: 'gw' }],
        hostnames: ['shop.example.com'],
        rules: [
          { matches: [{ headers: [{ name: 'X-Canary', value: 'always' }] }], backendRefs: [{ name: 'api', port: 80 }] },
          { backendRefs: [{ name: 'web', port: 80, weight: 80 }, { name: 'api', port: 80, weight: 20 }] },
        ],
      },
    },
  ].map((o) => YAML.stringify(o)).join('---\n'));
  const applied = await kubectl('apply', '-f', manifest);
  t.is(applied.code, 0, applied.err);
  t.regex(applied.out, /gateway\.gateway\.networking\.k8s\.io\/gw created\nhttproute\.gateway\.networking\.k8s\.io\/canary created/);
  await served('the route', '/', 'shop.example.com', 'api', { 'X-Canary': 'always' });
  const counts: Record<string, number> = {};
  for (let i = 0; i < 100; i++) {
    const w = await who('/', 'shop.example.com');
    counts[w] = (counts[w] ?? 0) + 1;
  }
  t.deepEqual(Object.keys(counts).sort(), ['api', 'web'], JSON.stringify(counts));
  // 20% of 100: binomial sd 4, so 5..40 is far outside chance.
  t.true(counts.api! >= 5 && counts.api! <= 40, JSON.stringify(counts));
  for (let i = 0; i < 5; i++) t.is(await who('/x', 'shop.example.com', { 'X-Canary': 'always' }), 'api');
  const gw = await waitFor('Gateway programmed', async () => {
    const g = await s.client.get<Gateway>(types.gateways, 'gw', 'default');
    return g.status?.conditions?.find((c) => c.type === 'Programmed')?.status === 'True' && g;
  }, 10_000);
  t.deepEqual(gw.status!.addresses, [{ type: 'IPAddress', value: address }]);
  t.deepEqual(gw.status!.conditions!.map((c) => [c.type, c.status, c.reason]), [['Accepted', 'True', 'Accepted'], ['Programmed', 'True', 'Programmed']]);
  t.is(gw.status!.listeners![0]!.attachedRoutes, 1);
  const route = await s.client.get<HTTPRoute>(types.httproutes, 'canary', 'default');
  t.deepEqual(route.status!.parents[0]!.conditions.map((c) => [c.type, c.status, c.reason]), [['Accepted', 'True', 'Accepted'], ['ResolvedRefs', 'True', 'ResolvedRefs']]);
  const invalid = await refusal(t, s.client.create(types.httproutes, { metadata: { name: 'bad' }, spec: { parentRefs: [{ name: 'gw' }], rules: [{ matches: [{ path: { type: 'PathPrefix', value: 'nope' } }], backendRefs: [{ name: 'web' }] }] } } as KubeObject, 'default'));
  t.is(invalid.code, 422);
  t.regex(invalid.message, /spec\.rules\[0\]\.matches\[0\]\.path: Invalid value: "object": value must be an absolute path and start with '\/' when type one of \['Exact', 'PathPrefix'\]/);
  t.regex(invalid.message, /spec\.rules\[0\]\.backendRefs\[0\]: Invalid value: "object": Must have port for Service reference/);
});

it.serial('the controller pod killed mid-traffic: its replacement serves again, only in-flight requests fail', async (t) => {
  const [pod] = await readyPods(s, 'app.kubernetes.io/name=ingress-nginx', 1, 10_000, 'ingress-nginx');
  const results: string[] = [];
  let stop = false;
  const traffic = (async () => {
    while (!stop) results.push(await who('/', 'web.example.com'));
  })();
  await waitFor('traffic flowing', () => results.length >= 5, 10_000);
  await s.client.delete(types.pods, pod!.metadata.name!, 'ingress-nginx', { gracePeriodSeconds: 0 });
  await readyPods(s, 'app.kubernetes.io/name=ingress-nginx', 1, 30_000, 'ingress-nginx').then((p) => t.not(p[0]!.metadata.name, pod!.metadata.name));
  const before = results.length;
  await waitFor('the new controller serving', () => results.slice(before).filter((r) => r === 'web').length >= 10, 30_000);
  stop = true;
  await traffic;
  t.is(results.at(-1), 'web');
  t.true(results.filter((r) => r === 'web').length > 10, JSON.stringify(results));
});
