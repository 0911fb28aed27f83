// The bootstrap token authenticator on a real HTTPS listener: a valid token is system:bootstrap:<id>
// in system:bootstrappers and its extra groups; wrong, expired, deleted or non-authenticating tokens are 401s.
import test from 'ava';
import { types } from '../../../../src/api/resources.js';
import type { Secret } from '../../../../src/api/types.js';
import { ApiClient } from '../../../../src/client/client.js';
import { tokenSecret } from '../../../../src/lab/bootstrap-tokens.js';
import { serve, whoami } from '../../../helpers/auth.js';

test('bootstrap tokens authenticate while their Secret says so', async (t) => {
  const { s, file } = await serve(t);
  const admin = new ApiClient({ server: s.url, token: 'admin-token', tls: { ca: file('ca.crt') } });
  t.teardown(() => admin.close());
  const ca = file('ca.crt');
  await admin.create(types.secrets, tokenSecret('abcdef.0123456789abcdef'), 'kube-system');
  const ok = await whoami(s, ca, { token: 'abcdef.0123456789abcdef' });
  t.is(ok.status, 201);
  t.deepEqual(ok.body.status?.userInfo, { username: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:bootstrappers:svclab:default-node-token', 'system:authenticated'] });

  t.like(await whoami(s, ca, { token: 'abcdef.ffffffffffffffff' }), { status: 401, body: { reason: 'Unauthorized' } }, 'wrong secret');
  t.like(await whoami(s, ca, { token: 'zzzzzz.0123456789abcdef' }), { status: 401 }, 'unknown id');
  await admin.create(types.secrets, tokenSecret('expire.0123456789abcdef', { ttlMs: 1000, now: Date.now() - 5000 }), 'kube-system');
  t.like(await whoami(s, ca, { token: 'expire.0123456789abcdef' }), { status: 401 }, 'expired');
  const signOnly = tokenSecret('signer.0123456789abcdef');
  signOnly.data!['usage-bootstrap-authentication'] = Buffer.from('false').toString('base64');
  await admin.create(types.secrets, signOnly as Secret, 'kube-system');
  t.like(await whoami(s, ca, { token: 'signer.0123456789abcdef' }), { status: 401 }, 'not for authentication');
  await admin.delete(types.secrets, 'bootstrap-token-abcdef', 'kube-system');
  t.like(await whoami(s, ca, { token: 'abcdef.0123456789abcdef' }), { status: 401 }, 'deleted');
});
