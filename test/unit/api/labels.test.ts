import test from 'ava';
import { ApiError } from '../../../src/api/errors.js';
import { matches, matchesFields, parseFieldSelector, parseSelector, selectorFromObject, selectorToString } from '../../../src/api/labels.js';

const labels = { app: 'web', tier: 'front', env: 'prod' };

test('equality, inequality, set and existence requirements select like Kubernetes', (t) => {
  t.true(matches(parseSelector('app=web'), labels));
  t.true(matches(parseSelector('app==web,tier!=back'), labels));
  t.false(matches(parseSelector('app=db'), labels));
  t.true(matches(parseSelector('env in (prod, staging)'), labels));
  t.false(matches(parseSelector('env notin (prod)'), labels));
  t.true(matches(parseSelector('tier'), labels));
  t.true(matches(parseSelector('!legacy'), labels));
  t.false(matches(parseSelector('!app'), labels));
  t.true(matches(parseSelector('missing!=x'), labels));
  t.true(matches(parseSelector(''), labels));
});

test('malformed selectors are a 400 BadRequest', (t) => {
  const err = t.throws(() => parseSelector('app=web,tier=a=b'), { instanceOf: ApiError });
  t.is(err!.code, 400);
});

test('object selectors combine matchLabels and matchExpressions', (t) => {
  const sel = selectorFromObject({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] });
  t.true(matches(sel, labels));
  t.false(matches(sel, { app: 'web', env: 'dev' }));
  t.is(selectorToString(sel), 'app=web,env=prod');
});

test('field selectors read dotted paths', (t) => {
  const obj = { metadata: { name: 'p1', namespace: 'ns' }, spec: { nodeName: 'node1' } };
  t.true(matchesFields(parseFieldSelector('spec.nodeName=node1,metadata.name!=p2'), obj));
  t.false(matchesFields(parseFieldSelector('spec.nodeName=node2'), obj));
});
