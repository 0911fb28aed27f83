import test from 'ava';
import type { Endpoints } from '../../../../src/api/types.js';
import { WrittenCache } from '../../../../src/controllers/endpoints/written.js';

const ep = (resourceVersion: string, ip = '10.244.1.2'): Endpoints => ({ metadata: { namespace: 'default', name: 'web', resourceVersion }, subsets: [{ addresses: [{ ip }] }] });

test('our own newer write wins over the informer copy until the informer catches up', (t) => {
  const c = new WrittenCache<Endpoints>();
  c.remember(ep('5', '10.244.1.9'));
  t.is(c.fresher(ep('4'))!.metadata.resourceVersion, '5');
  c.caughtUp(ep('5', '10.244.1.9'));
  t.is(c.fresher(ep('6'))!.metadata.resourceVersion, '6');
});

test('a copy of what we deleted reads as gone until the informer says so', (t) => {
  const c = new WrittenCache<Endpoints>();
  c.forget(ep('5'));
  t.is(c.fresher(ep('5')), undefined);
  t.is(c.get('default/web', ep('4')), undefined);
  c.gone(ep('5'));
  t.is(c.fresher(ep('5'))?.metadata.resourceVersion, '5');
});

test('an object made again under a name we deleted is seen, even when the delete event came before our DELETE returned', (t) => {
  const c = new WrittenCache<Endpoints>();
  // The watch delivered the delete first (etcd does, often), then the DELETE call returned and we forgot it.
  c.gone(ep('5'));
  c.forget(ep('5'));
  const again = ep('9', '1.2.3.4');
  t.is(c.fresher(again), again);
  c.caughtUp(again);
  t.is(c.get('default/web', again), again);
});
