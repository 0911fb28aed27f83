import test from 'ava';
import { userFromSubject } from '../../../../src/apiserver/auth/x509.js';

test('a certificate subject names the user (CN) and the groups (every O)', (t) => {
  t.deepEqual(userFromSubject({ CN: 'kubernetes-admin', O: 'system:masters' } as never), { username: 'kubernetes-admin', groups: ['system:masters'] });
  t.deepEqual(userFromSubject({ CN: 'alice', O: ['dev', 'ops'] } as never), { username: 'alice', groups: ['dev', 'ops'] });
  t.deepEqual(userFromSubject({ CN: 'system:node:node1', O: 'system:nodes' } as never), { username: 'system:node:node1', groups: ['system:nodes'] });
  t.deepEqual(userFromSubject({ CN: 'bob' } as never), { username: 'bob', groups: [] });
  t.is(userFromSubject({ O: 'dev' } as never), undefined);
});
