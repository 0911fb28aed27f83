import test from 'ava';
import { canonicalJson } from '../../../src/api/canonical-json.js';

test('keys are sorted at every depth; arrays keep their order; undefined members are left out', (t) => {
  t.is(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: null }], c: 'x' }, u: undefined }), '{"a":{"c":"x","d":[2,{"y":null,"z":1}]},"b":1}');
  t.is(canonicalJson({ b: 1, a: 2 }), canonicalJson({ a: 2, b: 1 }));
  t.not(canonicalJson([1, 2]), canonicalJson([2, 1]));
  t.is(canonicalJson('s'), '"s"');
  t.is(canonicalJson(null), 'null');
});
