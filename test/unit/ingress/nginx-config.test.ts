import test, { type ExecutionContext } from 'ava';
import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { buildModel, hostMatches, suffixMatches } from '../../../src/ingress/model.js';
import { defaultRenderOptions, quote, renderNginx } from '../../../src/ingress/nginx-config.js';
import { NGINX, NginxProcess } from '../../../src/ingress/nginx.js';
import type { Ingress } from '../../../src/api/networking.js';
import { tempDir } from '../../helpers/tmp.js';
import { backend, cluster, gatewayObjects, httpRoute, ingress, service, tlsSecret } from './fixtures.js';

const opts = { ...defaultRenderOptions, dir: '/run/ingress' };

/** The lines of one server block, indentation removed. */
function server(conf: string, name: string): string[] {
  const lines = conf.split('\n');
  const start = lines.findIndex((l, i) => l.trim() === `server_name ${name};` && lines[i - 1] !== undefined);
  t_assert(start >= 0, `no server ${name} in\n${conf}`);
  let open = lines.slice(0, start).lastIndexOf('  server {');
  const out: string[] = [];
  let depth = 0;
  for (; open < lines.length; open++) {
    const l = lines[open]!.trim();
    out.push(l);
    depth += (l.endsWith('{') ? 1 : 0) - (l === '}' ? 1 : 0);
    if (depth === 0) break;
  }
  return out;
}
function t_assert(ok: boolean, msg: string): asserts ok {
  if (!ok) throw new Error(msg);
}

const web = service('web', 80, ['10.244.1.5', '10.244.2.6'], { targetPort: 8080, notReady: ['10.244.3.7'] });
const api = service('api', 8080, ['10.244.1.9'], { portName: 'http' });
const empty = service('empty', 80, []);

test('one server per host, upstreams of ready endpoint IPs (target ports), element-wise Prefix, Exact winning the tie', (t) => {
  const c = cluster({
    serviceParts: [web, api, empty],
    ingresses: [
      ingress('fan', {
        rules: [
          {
            host: 'web.example.com',
            http: {
              paths: [
                { path: '/foo/', pathType: 'Prefix', backend: backend('web', 80) },
                { path: '/foo', pathType: 'Exact', backend: { service: { name: 'api', port: { name: 'http' } } } },
                { path: '/empty', pathType: 'Prefix', backend: backend('empty', 80) },
                { path: '/missing', pathType: 'Prefix', backend: backend('nope', 80) },
              ],
            },
          },
        ],
      }),
    ],
  });
  const conf = renderNginx(buildModel(c, 'nginx'), opts);
  t.deepEqual(server(conf, 'web.example.com'), [
    'server {',
    'listen 80;',
    'server_name web.example.com;',
    'location = "/foo" {',
    'proxy_pass http://default-api-8080;',
    '}',
    'location = "/empty" {',
    'return 503;',
    '}',
    'location ^~ "/empty/" {',
    'return 503;',
    '}',
    'location ^~ "/foo/" {',
    'proxy_pass http://default-web-80;',
    '}',
    'location = "/missing" {',
    'return 503;',
    '}',
    'location ^~ "/missing/" {',
    'return 503;',
    '}',
    'location / {',
    'return 404;',
    '}',
    '}',
  ]);
  t.true(conf.includes('  upstream default-web-80 {\n    server 10.244.1.5:8080 max_fails=0;\n    server 10.244.2.6:8080 max_fails=0;\n    keepalive 32;\n  }'), conf);
  t.false(conf.includes('10.244.3.7'), 'not-ready endpoints are left out');
  t.false(conf.includes('upstream default-empty-80'), 'no upstream without endpoints');
  // The default server answers everything else with 404 and refuses TLS handshakes it has no certificate for.
  t.deepEqual(server(conf, '_'), ['server {', 'listen 80 default_server;', 'listen 443 ssl default_server;', 'server_name _;', 'ssl_reject_handshake on;', 'location / {', 'return 404;', '}', '}']);
});

test('wildcard hosts match exactly one label; defaultBackend serves the Ingress\'s hosts and the default server', (t) => {
  const c = cluster({ serviceParts: [web, api], ingresses: [ingress('w', { defaultBackend: backend('api', 8080), rules: [{ host: '*.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('web', 80) }] } }] })] });
  const conf = renderNginx(buildModel(c, 'nginx'), opts);
  t.true(conf.includes('server_name "~^[^.]+\\\\.example\\\\.com$";'), conf);
  t.deepEqual(server(conf, '_').slice(-4), ['location / {', 'proxy_pass http://default-api-8080;', '}', '}']);
  t.true(hostMatches('*.example.com', 'a.example.com'));
  t.false(hostMatches('*.example.com', 'a.b.example.com'));
  t.false(hostMatches('*.example.com', 'example.com'));
});

/** A self-signed certificate and its key, made by openssl. */
async function selfSigned(t: ExecutionContext, cn: string): Promise<{ crt: string; key: string }> {
  const dir = tempDir(t);
  await execa('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', `/CN=${cn}`, '-keyout', 'k.pem', '-out', 'c.pem'], { cwd: dir });
  return { crt: fs.readFileSync(path.join(dir, 'c.pem'), 'utf8').trim(), key: fs.readFileSync(path.join(dir, 'k.pem'), 'utf8').trim() };
}

test('TLS: a kubernetes.io/tls Secret becomes a PEM (certificate, then key) and the host listens on 443; unusable ones give no TLS', async (t) => {
  const [a, b] = await Promise.all([selfSigned(t, 'web.example.com'), selfSigned(t, 'other')]);
  const rule = (host: string): NonNullable<Ingress['spec']['rules']>[number] => ({ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('web', 80) }] } });
  const c = cluster({
    serviceParts: [web],
    secrets: [
      tlsSecret('web-tls', a.crt, a.key),
      tlsSecret('mismatched', a.crt, b.key),
      tlsSecret('garbage', '-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----', b.key),
      { metadata: { name: 'opaque', namespace: 'default' }, type: 'Opaque', data: { 'tls.crt': Buffer.from(a.crt).toString('base64'), 'tls.key': Buffer.from(a.key).toString('base64') } },
    ],
    ingresses: [
      ingress('tls', {
        tls: [{ hosts: ['web.example.com'], secretName: 'web-tls' }, { hosts: ['m.example.com'], secretName: 'mismatched' }, { hosts: ['g.example.com'], secretName: 'garbage' }, { hosts: ['o.example.com'], secretName: 'opaque' }],
        rules: ['web.example.com', 'm.example.com', 'g.example.com', 'o.example.com'].map(rule),
      }),
    ],
  });
  const m = buildModel(c, 'nginx');
  t.deepEqual([...m.certificates.keys()], ['default-web-tls']);
  t.is(m.certificates.get('default-web-tls'), `${a.crt}\n${a.key}\n`);
  const conf = renderNginx(m, opts);
  t.deepEqual(server(conf, 'web.example.com').slice(0, 9), [
    'server {',
    'listen 80;',
    'listen 443 ssl;',
    'server_name web.example.com;',
    'ssl_certificate certs/default-web-tls.pem;',
    'ssl_certificate_key certs/default-web-tls.pem;',
    'if ($scheme = http) {',
    'return 308 https://$host$request_uri;',
    '}',
  ]);
  const kept = structuredClone(c);
  kept.ingresses[0]!.metadata.annotations = { 'nginx.ingress.kubernetes.io/ssl-redirect': 'false' };
  t.false(renderNginx(buildModel(kept, 'nginx'), opts).includes('return 308'), 'ssl-redirect: "false" keeps plain HTTP');
  for (const host of ['m.example.com', 'g.example.com', 'o.example.com']) t.false(server(conf, host).includes('listen 443 ssl;'), host);
});

test('Gateway HTTPS listener: its certificateRefs Secret serves the route\'s hostnames; a listener hostname narrows the route\'s', async (t) => {
  const a = await selfSigned(t, 'gw.example.com');
  const { gatewayClass, gateway } = gatewayObjects();
  gateway.spec.listeners = [{ name: 'https', port: 443, protocol: 'HTTPS', hostname: 'gw.example.com', tls: { certificateRefs: [{ name: 'gw-tls' }] } }];
  const route = httpRoute('r', { hostnames: ['gw.example.com', 'other.example.com'], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] });
  const m = buildModel(cluster({ serviceParts: [web], secrets: [tlsSecret('gw-tls', a.crt, a.key)], gatewayClasses: [gatewayClass], gateways: [gateway], httpRoutes: [route] }), 'nginx');
  t.deepEqual(m.hosts.map((h) => [h.host, h.certificate ?? '', !!h.sslRedirect]), [['', '', false], ['gw.example.com', 'default-gw-tls', false]]);
});

test('a configuration nginx -t refuses is not swapped in, and nothing is started', async (t) => {
  const nginx = new NginxProcess(path.join(tempDir(t), 'ingress-nginx'), 'unit');
  const r = await nginx.apply('events {}\nhttp { server { listen 18081; nonsense_directive on; } }\n', new Map());
  t.false(r.changed);
  t.regex(r.error ?? '', /unknown directive "nonsense_directive"/);
  t.false(fs.existsSync(path.join(nginx.dir, 'nginx.conf')));
  t.false(nginx.running);
  await nginx.stop();
  t.false(fs.existsSync(nginx.dir), 'stop removes its directory');
});

test('only Ingresses of our class (or class-less ones when it is the default); the older Ingress keeps a contested path', (t) => {
  const parts = { serviceParts: [web, api] };
  const mine = ingress('mine', { rules: [{ host: 'a.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('web', 80) }] } }] });
  const later = ingress('later', { rules: [{ host: 'a.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('api', 8080) }] } }] });
  const theirs = ingress('theirs', { ingressClassName: 'traefik', rules: [{ host: 'b.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('web', 80) }] } }] });
  const classless = ingress('classless', { ingressClassName: undefined, rules: [{ host: 'c.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('web', 80) }] } }] });
  const hosts = (isDefault: boolean): string[] => buildModel(cluster({ ...parts, ingresses: [later, mine, theirs, classless], ingressClasses: [{ metadata: { name: 'nginx', annotations: isDefault ? { 'ingressclass.kubernetes.io/is-default-class': 'true' } : {} }, spec: { controller: 'k8s.io/ingress-nginx' } }] }), 'nginx').hosts.map((h) => h.host);
  t.deepEqual(hosts(false), ['', 'a.example.com']);
  t.deepEqual(hosts(true), ['', 'a.example.com', 'c.example.com']);
  const conf = renderNginx(buildModel(cluster({ ...parts, ingresses: [later, mine] }), 'nginx'), opts);
  t.deepEqual(server(conf, 'a.example.com').slice(3, 6), ['location / {', 'proxy_pass http://default-web-80;', '}']);
});

test('HTTPRoute: weighted backends become split_clients, header matches maps checked most specific last', (t) => {
  const { gatewayClass, gateway } = gatewayObjects();
  const canary = service('canary', 80, ['10.244.2.9']);
  const route = httpRoute('shop', {
    hostnames: ['shop.example.com'],
    rules: [
      { matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'web', port: 80, weight: 90 }, { name: 'canary', port: 80, weight: 10 }] },
      { matches: [{ path: { type: 'PathPrefix', value: '/' }, headers: [{ name: 'X-Canary', value: 'yes' }] }], backendRefs: [{ name: 'canary', port: 80 }] },
    ],
  });
  const conf = renderNginx(buildModel(cluster({ serviceParts: [web, canary], gatewayClasses: [gatewayClass], gateways: [gateway], httpRoutes: [route] }), 'nginx'), opts);
  t.deepEqual(server(conf, 'shop.example.com').slice(3), ['location / {', 'set $svclab_target $svclab_split_0;', 'if ($svclab_c_1) {', 'set $svclab_target default-canary-80;', '}', 'proxy_pass http://$svclab_target;', '}', '}']);
  t.true(conf.includes('  split_clients "${request_id}" $svclab_split_0 {\n    90.00% default-web-80;\n    * default-canary-80;\n  }'), conf);
  t.true(conf.includes('  map $http_x_canary $svclab_c_1 {\n    "~^yes$" 1;\n    default 0;\n  }'), conf);
});

test('HTTPRoute: a backendRef that does not resolve gets its share answered with 500; a rule without backends too', (t) => {
  const { gatewayClass, gateway } = gatewayObjects();
  const route = httpRoute('r', {
    hostnames: ['r.example.com'],
    rules: [
      { matches: [{ path: { type: 'PathPrefix', value: '/split' } }], backendRefs: [{ name: 'web', port: 80, weight: 1 }, { name: 'gone', port: 80, weight: 1 }] },
      { matches: [{ path: { type: 'Exact', value: '/none' } }] },
    ],
  });
  const conf = renderNginx(buildModel(cluster({ serviceParts: [web], gatewayClasses: [gatewayClass], gateways: [gateway], httpRoutes: [route] }), 'nginx'), opts);
  t.true(conf.includes('  split_clients "${request_id}" $svclab_split_0 {\n    50.00% default-web-80;\n    * svclab-status-500;\n  }'), conf);
  t.deepEqual(server(conf, 'r.example.com').slice(3, 6), ['location = "/none" {', 'return 500;', '}']);
});

test('HTTPRoute: a method match outranks header matches, which outrank query matches, on the same path', (t) => {
  const { gatewayClass, gateway } = gatewayObjects();
  const canary = service('canary', 80, ['10.244.2.9']);
  const to = (name: string): { backendRefs: { name: string; port: number }[] } => ({ backendRefs: [{ name, port: 80 }] });
  const route = httpRoute('r', {
    hostnames: ['m.example.com'],
    rules: [
      { matches: [{ queryParams: [{ name: 'v', value: '2' }] }], ...to('canary') },
      { matches: [{ headers: [{ name: 'X-Env', value: 'beta' }] }], ...to('web') },
      { matches: [{ method: 'POST' }], ...to('canary') },
    ],
  });
  const conf = renderNginx(buildModel(cluster({ serviceParts: [web, canary], gatewayClasses: [gatewayClass], gateways: [gateway], httpRoutes: [route] }), 'nginx'), opts);
  const body = server(conf, 'm.example.com').join('\n');
  const varOf = (source: string): string => new RegExp(`map \\$${source} (\\$svclab_c_\\d+) \\{`).exec(conf)?.[1] ?? `no map of $${source}`;
  const at = (source: string): number => body.indexOf(`if (${varOf(source)}) {`);
  t.true(conf.includes(`map $request_method ${varOf('request_method')} {\n    "~^POST$" 1;`), conf);
  // The ifs run in order and the last one that holds wins: least specific first.
  t.true(at('arg_v') > 0 && at('arg_v') < at('http_x_env') && at('http_x_env') < at('request_method'), body);
  t.true(body.includes('set $svclab_target svclab-status-404;'), 'no unconditional rule: requests matching none get 404');
});

test('wildcards: an Ingress\'s matches one label (a regex server_name), a Gateway API hostname\'s any number (nginx\'s own *.)', (t) => {
  const { gatewayClass, gateway } = gatewayObjects();
  const c = cluster({
    serviceParts: [web],
    ingresses: [ingress('w', { rules: [{ host: '*.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('web', 80) }] } }] })],
    gatewayClasses: [gatewayClass],
    gateways: [gateway],
    httpRoutes: [httpRoute('r', { hostnames: ['*.example.com'], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] })],
  });
  const names = renderNginx(buildModel(c, 'nginx'), opts).split('\n').map((l) => l.trim()).filter((l) => l.startsWith('server_name '));
  t.deepEqual(names, ['server_name _;', 'server_name "~^[^.]+\\\\.example\\\\.com$";', 'server_name *.example.com;']);
  t.true(suffixMatches('*.example.com', 'a.b.example.com'));
  t.false(suffixMatches('*.example.com', 'example.com'));
});

test('values are quoted so they can never end a directive', (t) => {
  t.is(quote('/a"b\\c'), '"/a\\"b\\\\c"');
});

test('nginx -t accepts the rendered configuration', async (t) => {
  const dir = tempDir(t);
  fs.mkdirSync(path.join(dir, 'tmp'));
  fs.mkdirSync(path.join(dir, 'certs'));
  const { gatewayClass, gateway } = gatewayObjects();
  const c = cluster({
    serviceParts: [web, api, empty],
    gatewayClasses: [gatewayClass],
    gateways: [gateway],
    httpRoutes: [httpRoute('r', { hostnames: ['r.example.com'], rules: [{ matches: [{ headers: [{ name: 'a', value: '1' }, { name: 'b', value: 'x"y', type: 'RegularExpression' }] }], backendRefs: [{ name: 'web', port: 80, weight: 1 }, { name: 'api', port: 8080, weight: 3 }] }] })],
    ingresses: [ingress('all', { defaultBackend: backend('web', 80), rules: [{ host: '*.example.org', http: { paths: [{ path: '/x y', pathType: 'ImplementationSpecific', backend: backend('empty', 80) }, { path: '/a', pathType: 'Exact', backend: backend('web', 80) }, { path: '/a', pathType: 'Prefix', backend: backend('web', 80) }] } }] })],
  });
  const conf = renderNginx(buildModel(c, 'nginx'), { ...defaultRenderOptions, dir });
  fs.writeFileSync(path.join(dir, 'nginx.conf'), conf);
  const r = await execa(NGINX, ['-t', '-e', 'stderr', '-p', `${dir}/`, '-c', path.join(dir, 'nginx.conf')], { reject: false });
  t.is(r.exitCode, 0, `${r.stderr}\n${conf}`);
});
