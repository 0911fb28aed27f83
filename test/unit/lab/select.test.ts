import test from 'ava';
import { chooseLab, LabChoiceError } from '../../../src/lab/select.js';

test('--name wins over everything, and is validated', (t) => {
  t.is(chooseLab({ given: 'demo', env: 'other', running: ['a', 'b'], current: 'a' }), 'demo');
  t.throws(() => chooseLab({ given: 'Bad_Name', running: [] }), { instanceOf: LabChoiceError, message: /^invalid lab name "Bad_Name"/ });
  t.throws(() => chooseLab({ env: 'Bad_Name', running: [] }), { instanceOf: LabChoiceError, message: /^SVCLAB_LAB: invalid lab name "Bad_Name"/ });
});

test('SVCLAB_LAB picks the lab when --name is not given', (t) => {
  t.is(chooseLab({ env: 'two', running: ['one', 'two'] }), 'two');
  t.is(chooseLab({ env: '', running: ['one'] }), 'one', 'an empty SVCLAB_LAB counts as unset');
});

test('the only running lab is used without any flag', (t) => {
  t.is(chooseLab({ running: ['demo'] }), 'demo');
  t.is(chooseLab({ running: ['demo'], current: 'gone' }), 'demo');
});

test('several labs: the current one set by lab up, else an error listing them', (t) => {
  t.is(chooseLab({ running: ['a', 'b'], current: 'b' }), 'b');
  const e = t.throws(() => chooseLab({ running: ['a', 'b'], current: 'gone' }), { instanceOf: LabChoiceError });
  t.is(e.message, '2 labs are running (a, b): pick one with --name NAME or SVCLAB_LAB=NAME');
  t.throws(() => chooseLab({ running: [] }), { message: 'no lab is running (start one: lab up)' });
});
