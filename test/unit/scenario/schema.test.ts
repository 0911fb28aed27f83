import test from 'ava';
import { closest, scenarioSchema, Validator, type Schema } from '../../../src/scenario/schema.js';

const v = (schema: Schema) => new Validator(schema);

test('types, enums, ranges and patterns produce one message each', (t) => {
  const s: Schema = { type: 'object', properties: { n: { type: 'integer', minimum: 1, maximum: 3 }, m: { enum: ['a', 'b'] }, p: { type: 'string', pattern: '^x' } } };
  t.deepEqual(v(s).validate({ n: 1, m: 'a', p: 'xy' }), []);
  t.deepEqual(v(s).validate({ n: 1.5 }).map((e) => e.message), ['must be an integer (got a number)']);
  t.deepEqual(v(s).validate({ n: 4 }).map((e) => e.message), ['must be at most 3 (got 4)']);
  t.deepEqual(v(s).validate({ m: 'c' }).map((e) => [e.path, e.message]), [[['m'], 'must be one of "a", "b" (got "c")']]);
  t.is(v(s).validate({ p: 'yx' }).length, 1);
});

test('unknown keys point at the key and suggest the closest allowed one', (t) => {
  const s: Schema = { type: 'object', additionalProperties: false, properties: { selector: {}, namespace: {} } };
  const [e] = v(s).validate({ selecter: 'a' });
  t.true(e!.atKey);
  t.deepEqual(e!.path, ['selecter']);
  t.regex(e!.message, /did you mean "selector"/);
  t.is(closest('zzzzzz', ['selector', 'namespace']), undefined);
});

test('anyOf reports the errors of the alternative the value resembles', (t) => {
  const s: Schema = {
    anyOf: [{ type: 'string' }, { type: 'object', required: ['file'], additionalProperties: false, properties: { file: { type: 'string' } } }, { type: 'object', required: ['yaml'], additionalProperties: false, properties: { yaml: { type: 'string' } } }],
  };
  t.deepEqual(v(s).validate('x'), []);
  t.deepEqual(v(s).validate({ yaml: 3 }).map((e) => [e.path, e.message]), [[['yaml'], 'must be a string (got an integer)']]);
  t.deepEqual(v(s).validate(3).map((e) => e.message), ['must be a string or an object (got an integer)']);
});

test('oneOf of required keys demands exactly one of them', (t) => {
  const s: Schema = { type: 'object', properties: { a: {}, b: {} }, oneOf: [{ required: ['a'] }, { required: ['b'] }] };
  t.deepEqual(v(s).validate({ a: 1 }), []);
  t.regex(v(s).validate({ a: 1, b: 2 })[0]!.message, /exactly one of a, b \(found a, b/);
  t.regex(v(s).validate({})[0]!.message, /exactly one of a, b \(found none/);
});

test('$ref resolves into $defs', (t) => {
  const s: Schema = { $defs: { d: { type: 'number' } }, type: 'array', items: { $ref: '#/$defs/d' } };
  t.deepEqual(v(s).validate([1, 2]), []);
  t.deepEqual(v(s).validate([1, 'x'])[0]!.path, [1]);
  t.throws(() => v({ $ref: '#/$defs/nope' }).validate(1), { message: /unresolvable \$ref/ });
});

test('every $ref of the scenario schema resolves', (t) => {
  const schema = scenarioSchema();
  const refs: string[] = [];
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === 'object') for (const [k, val] of Object.entries(x)) k === '$ref' ? refs.push(val as string) : walk(val);
  };
  walk(schema);
  t.true(refs.length > 40);
  for (const r of refs) t.truthy(schema.$defs?.[r.replace('#/$defs/', '')], r);
});
