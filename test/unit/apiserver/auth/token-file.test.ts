import test from 'ava';
import { parseTokenFile } from '../../../../src/apiserver/auth/token-file.js';

test('the token file reads as upstream --token-auth-file: token,user,uid,"groups"', (t) => {
  const m = parseTokenFile('# comment\nabc,system:node:node1,system:node:node1,"system:nodes"\ndef,system:kube-controller-manager,,""\nghi,ops,ops-uid,"a,b"\n');
  t.deepEqual(m.get('abc'), { username: 'system:node:node1', uid: 'system:node:node1', groups: ['system:nodes'] });
  t.deepEqual(m.get('def'), { username: 'system:kube-controller-manager', groups: [] });
  t.deepEqual(m.get('ghi')?.groups, ['a', 'b']);
  t.throws(() => parseTokenFile('only-a-token\n'), { message: /malformed line "<token>"/ });
});
