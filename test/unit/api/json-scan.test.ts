import test from 'ava';
import { maxNestingDepth, scanJson, valueDepth } from '../../../src/api/json-scan.js';

const nested = (n: number) => `{"a":${'['.repeat(n - 1)}${']'.repeat(n - 1)}}`;

test('nesting up to the limit passes; one level more is refused in encoding/json words', (t) => {
  t.deepEqual(scanJson(nested(maxNestingDepth)).duplicates, []);
  t.throws(() => scanJson(nested(maxNestingDepth + 1)), { message: "invalid character '[' exceeded max depth" });
  t.throws(() => scanJson('{"a":' + '{"b":'.repeat(maxNestingDepth)), { message: "invalid character '{' exceeded max depth" });
});

test('20,000 nested arrays are refused without recursion (the crash of issue 16)', (t) => {
  t.throws(() => scanJson(`{"spec":{"x":${'['.repeat(20_000)}${']'.repeat(20_000)}}}`), { message: /exceeded max depth/ });
});

test('brackets and quotes inside strings do not count', (t) => {
  t.deepEqual(scanJson(JSON.stringify({ a: '[[[[{{{{', b: 'say \\"[" and }', c: ['x]'] }), 3).duplicates, []);
});

test('duplicate fields are reported by path as sigs.k8s.io/json does, once each', (t) => {
  t.deepEqual(scanJson('{"a":1,"a":2,"a":3,"b":{"c":1,"c":2},"e":[{"f":1},{"g":1,"g":2}],"b":{}}').duplicates, [
    'duplicate field "a"',
    'duplicate field "b.c"',
    'duplicate field "e[1].g"',
    'duplicate field "b"',
  ]);
  t.deepEqual(scanJson('{"x":{"\\u0061":1,"a":2}}').duplicates, ['duplicate field "x.a"'], 'keys compare decoded');
  t.deepEqual(scanJson('{"a":[1,2],"b":["a","a"]}').duplicates, [], 'array elements are no fields');
});

test('strict errors sort into the order a Go decoder meets them: first appearance for unknown fields, first repeat for duplicates', (t) => {
  const { orderOf } = scanJson('{"data":{},"extra":1,"data":{},"spec":{"containers":[{"imagee":"x"}]}}');
  const errors = ['duplicate field "data"', 'unknown field "spec.containers[0].imagee"', 'unknown field "extra"'];
  t.deepEqual(errors.sort((a, b) => orderOf(a) - orderOf(b)), ['unknown field "extra"', 'duplicate field "data"', 'unknown field "spec.containers[0].imagee"']);
});

test('valueDepth measures decoded values iteratively and stops past the limit', (t) => {
  t.is(valueDepth({ a: [[1]] }), 3);
  t.is(valueDepth('x'), 0);
  let deep: unknown = [];
  for (let i = 0; i < 50_000; i++) deep = [deep];
  t.true(valueDepth(deep) > maxNestingDepth);
});
