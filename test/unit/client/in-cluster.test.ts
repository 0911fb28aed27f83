import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { inClusterConnection } from '../../../src/client/in-cluster.js';
import { tempDir } from '../../helpers/tmp.js';

const env = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };

test('with a projected token: HTTPS to the kubernetes service, its CA, the token file (re-read on every request)', (t) => {
  const dir = tempDir(t);
  fs.writeFileSync(path.join(dir, 'token'), 'abc');
  fs.writeFileSync(path.join(dir, 'ca.crt'), 'PEM');
  t.deepEqual(inClusterConnection(env, dir), { server: 'https://10.96.0.1:443', tls: { ca: Buffer.from('PEM') }, tokenFile: path.join(dir, 'token') });
  t.is(inClusterConnection({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, dir).server, 'https://[fd00::1]:443');
});

test('without a token or without the service variables: client-go\'s errors', (t) => {
  const dir = tempDir(t);
  t.throws(() => inClusterConnection(env, dir), { message: `open ${path.join(dir, 'token')}: no such file or directory` });
  t.throws(() => inClusterConnection({}, tempDir(t)), { message: 'unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined' });
});
