// The authenticator chain on a real HTTPS listener: client certificates of the CA and of
// another one, static tokens, ServiceAccount tokens from TokenRequest, and anonymous.
import test from 'ava';
import { withAuthenticatedGroup } from '../../../../src/apiserver/auth/authenticate.js';
import { types } from '../../../../src/api/resources.js';
import { ApiClient } from '../../../../src/client/client.js';

import { serve, whoami } from '../../../helpers/auth.js';

test('authenticated users get system:authenticated once; anonymous does not', (t) => {
  t.deepEqual(withAuthenticatedGroup({ username: 'alice', groups: ['dev'] }).groups, ['dev', 'system:authenticated']);
  t.deepEqual(withAuthenticatedGroup({ username: 'alice', groups: ['system:authenticated'] }).groups, ['system:authenticated']);
  t.deepEqual(withAuthenticatedGroup({ username: 'system:anonymous', groups: ['system:unauthenticated'] }).groups, ['system:unauthenticated']);
});

test('over HTTPS: a certificate of the CA is its subject, one of another CA or a bad token is a 401, none is anonymous', async (t) => {
  const { s, file } = await serve(t);
  const ca = file('ca.crt');
  t.like(await whoami(s, ca, { cert: file('alice.crt'), key: file('alice.key') }), { status: 201, body: { status: { userInfo: { username: 'alice', groups: ['dev', 'ops', 'system:authenticated'] } } } });
  t.like(await whoami(s, ca, {}), { status: 201, body: { status: { userInfo: { username: 'system:anonymous', groups: ['system:unauthenticated'] } } } });
  t.like(await whoami(s, ca, { token: 'admin-token' }), { status: 201, body: { status: { userInfo: { username: 'ops', groups: ['system:masters', 'system:authenticated'] } } } });
  const unauthorized = { status: 401, body: { kind: 'Status', status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 } };
  t.like(await whoami(s, ca, { cert: file('mallory.crt'), key: file('mallory.key') }), unauthorized as never);
  t.like(await whoami(s, ca, { token: 'guessed' }), unauthorized as never);
  t.like(await whoami(s, ca, { token: 'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2t1YmVybmV0ZXMuZGVmYXVsdC5zdmMuY2x1c3Rlci5sb2NhbCJ9.c2ln' }), unauthorized as never);
});

test('TokenRequest issues a token that is the ServiceAccount until the account is deleted; too short a lifetime is a 422', async (t) => {
  const { s, file } = await serve(t);
  const admin = new ApiClient({ server: s.url, tls: { ca: file('ca.crt') }, token: 'admin-token' });
  t.teardown(() => admin.close());
  await admin.create(types.serviceaccounts, { metadata: { name: 'builder' } }, 'default');
  const tr = await admin.request<{ status: { token: string; expirationTimestamp: string } }>('POST', '/api/v1/namespaces/default/serviceaccounts/builder/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 } });
  t.true(Math.abs(Date.parse(tr.status.expirationTimestamp) - Date.now() - 600_000) < 5000);
  t.like(await whoami(s, file('ca.crt'), { token: tr.status.token }), { status: 201, body: { status: { userInfo: { username: 'system:serviceaccount:default:builder', groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'] } } } });
  await admin.delete(types.serviceaccounts, 'builder', 'default');
  t.is((await whoami(s, file('ca.crt'), { token: tr.status.token })).status, 401);
  const short = await t.throwsAsync(admin.request('POST', '/api/v1/namespaces/default/serviceaccounts/default/token', { spec: { expirationSeconds: 60 } }));
  t.regex(short!.message, /spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes/);
});
