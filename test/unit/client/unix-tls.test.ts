// "unix+https:/path": TLS on a unix socket (a joined control plane's agents reach its replica's
// --tls-socket so), the server's certificate checked against the CA for the name localhost.
import test from 'ava';
import { execa } from 'execa';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { types } from '../../../src/api/resources.js';
import type { ConfigMap } from '../../../src/api/types.js';
import { ApiClient } from '../../../src/client/client.js';
import { tempDir } from '../../helpers/tmp.js';

test('a client speaks TLS on a unix socket, trusting only the given CA', async (t) => {
  const dir = tempDir(t);
  const f = (n: string) => path.join(dir, n);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const openssl = (...args: string[]) => execa('openssl', args, { env: { OPENSSL_CONF: '/dev/null' } });
  for (const ca of ['ca', 'rogue']) await openssl('req', '-x509', ...ec, '-keyout', f(`${ca}.key`), '-out', f(`${ca}.crt`), '-subj', `/CN=${ca}`, '-days', '1');
  await openssl('req', '-x509', '-CA', f('ca.crt'), '-CAkey', f('ca.key'), ...ec, '-keyout', f('server.key'), '-out', f('server.crt'), '-subj', '/CN=kube-apiserver', '-days', '1', '-addext', 'subjectAltName=DNS:localhost');
  const socket = f('api-tls.sock');
  const paths: string[] = [];
  const server = https.createServer({ key: fs.readFileSync(f('server.key')), cert: fs.readFileSync(f('server.crt')) }, (req, res) => {
    paths.push(req.url!);
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default' }, data: { via: 'unix+https' } }));
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  t.teardown(() => server.close());
  const good = new ApiClient({ server: `unix+https:${socket}`, tls: { ca: fs.readFileSync(f('ca.crt')) }, timeoutMs: 5000 });
  t.teardown(() => good.close());
  t.is((await good.get<ConfigMap>(types.configmaps, 'x', 'default')).data?.via, 'unix+https');
  t.deepEqual(paths, ['/api/v1/namespaces/default/configmaps/x']);
  const wrong = new ApiClient({ server: `unix+https:${socket}`, tls: { ca: fs.readFileSync(f('rogue.crt')) }, timeoutMs: 5000 });
  t.teardown(() => wrong.close());
  await t.throwsAsync(wrong.get(types.configmaps, 'x', 'default'), { message: /certificate/i });
  t.is(paths.length, 1);
});
