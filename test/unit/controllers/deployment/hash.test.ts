import test from 'ava';
import { computeHash, hashLabel, sameTemplate } from '../../../../src/controllers/deployment/hash.js';
import { template } from '../fake-cluster.js';

const safeHash = /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/;

test('pod-template-hash is stable per template, changes with it and with the collision count', (t) => {
  const a = template({ app: 'web' });
  const reordered = { spec: a.spec, metadata: a.metadata };
  t.is(computeHash(a), computeHash(reordered));
  t.regex(computeHash(a), safeHash);
  t.not(computeHash(a), computeHash(template({ app: 'web' }, 'nginx:1.27')));
  t.not(computeHash(a), computeHash(a, 1));
  t.not(computeHash(a, 1), computeHash(a, 2));
});

test('a template equals itself with a pod-template-hash label added, and not with another change', (t) => {
  const a = template({ app: 'web' });
  const hashed = template({ app: 'web', [hashLabel]: computeHash(a) });
  t.true(sameTemplate(a, hashed));
  t.true(sameTemplate(hashed, a));
  t.false(sameTemplate(a, template({ app: 'web', tier: 'front' })));
  t.false(sameTemplate(a, template({ app: 'web' }, 'nginx:1.27')));
  t.is(hashed.metadata!.labels![hashLabel], computeHash(a), 'the comparison leaves its arguments alone');
});
