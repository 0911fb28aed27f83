import test from 'ava';
import { describe, excerpt, matches } from '../../../src/scenario/match.js';

test('a plain string is a substring of an output but the whole of a value', (t) => {
  t.true(matches('Hello', 'Hello from web-1\n', 'text'));
  t.false(matches('Hello', 'Hello from web-1\n', 'value'));
  t.true(matches('10.96.0.1', '10.96.0.1', 'value'));
  t.false(matches('10.96.0.1', '10.96.0.10', 'value'));
  t.is(describe('Hello', 'text'), 'containing "Hello"');
  t.is(describe('web', 'value'), 'web');
});

test('/regex/ strings are regular expressions in both modes', (t) => {
  t.true(matches('/^web-v2-/', 'web-v2-abc', 'value'));
  t.false(matches('/^web-v2-/', 'web-v1-abc', 'value'));
  t.true(matches('/hello/i', 'HELLO', 'text'));
  t.is(describe('/^x$/', 'value'), 'matching /^x$/');
});

test('object matchers combine: not, anyOf, absent, exists, min and max', (t) => {
  t.true(matches({ not: '10.0.0.1' }, '10.0.0.2', 'value'));
  t.false(matches({ not: '10.0.0.1' }, '10.0.0.1', 'value'));
  t.true(matches({ anyOf: ['a', '/^b/'] }, 'bc', 'value'));
  t.false(matches({ anyOf: ['a', '/^b/'] }, 'cb', 'value'));
  t.true(matches({ absent: true }, undefined, 'value'));
  t.true(matches({ absent: true }, '', 'value'));
  t.false(matches({ absent: true }, 'x', 'value'));
  t.false(matches({ exists: true }, undefined, 'value'));
  t.true(matches({ exists: true, not: 'None' }, '10.96.0.5', 'value'));
  t.false(matches({ exists: true, not: 'None' }, 'None', 'value'));
  t.true(matches({ min: 30000, max: 32767 }, 31000, 'value'));
  t.false(matches({ min: 30000, max: 32767 }, 29999, 'value'));
  t.false(matches({ min: 1 }, undefined, 'value'));
  t.true(matches({ equals: '' }, '', 'text'));
  t.is(describe({ exists: true, not: 'None' }, 'value'), 'present, not None');
});

test('numbers and booleans compare as text, and a missing value matches nothing', (t) => {
  t.true(matches(31000, '31000', 'value'));
  t.true(matches(true, true, 'value'));
  t.false(matches(7, undefined, 'value'));
  t.false(matches('x', undefined, 'text'));
});

test('excerpts keep the first lines of long outputs', (t) => {
  t.is(excerpt(''), '(empty)');
  t.is(excerpt('a\nb\nc\n', 2), 'a\nb\n… (1 more lines)');
  t.is(excerpt('x'.repeat(500), 6, 10), `${'x'.repeat(10)}…`);
});
