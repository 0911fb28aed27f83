import test from 'ava';
import { types } from '../../../src/api/resources.js';
import type { Secret } from '../../../src/api/types.js';
import { startApiServer } from '../../helpers/apiserver.js';

const asTable = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

test('Secrets: stringData is stored as data, Opaque is the default type, and kubectl get prints TYPE and DATA', async (t) => {
  const s = await startApiServer(t);
  const post = await fetch(`${s.url}/api/v1/namespaces/default/secrets`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, data: { user: 'YWRtaW4=' }, stringData: { password: 'pw' } }),
  });
  t.is(post.status, 201);
  const stored = await s.client.get<Secret>(types.secrets, 'db', 'default');
  t.deepEqual(stored.data, { user: 'YWRtaW4=', password: 'cHc=' });
  t.is(stored.type, 'Opaque');
  t.false('stringData' in stored);
  const table = (await (await fetch(`${s.url}/api/v1/namespaces/default/secrets`, { headers: { Accept: asTable } })).json()) as any;
  t.deepEqual(table.columnDefinitions.map((c: { name: string }) => c.name), ['Name', 'Type', 'Data', 'Age']);
  t.deepEqual(table.rows[0].cells.slice(0, 3), ['db', 'Opaque', 2]);
});

test('a Secret whose data is not base64 gets a 400 and nothing is stored; a tls Secret without its keys gets a 422', async (t) => {
  const s = await startApiServer(t);
  const send = (body: unknown) => fetch(`${s.url}/api/v1/namespaces/default/secrets`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const bad = await send({ metadata: { name: 'x' }, data: { k: 'a%b' } });
  t.is(bad.status, 400);
  t.is(((await bad.json()) as { message: string }).message, 'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 1');
  const tls = await send({ metadata: { name: 'x' }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'eA==' } });
  t.is(tls.status, 422);
  t.is(((await tls.json()) as { message: string }).message, 'Secret "x" is invalid: data[tls.key]: Required value');
  t.is(s.store.list('core/secrets').length, 0);
});
