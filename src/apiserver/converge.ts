// The writes every API server makes at start (system namespaces, the bootstrap
// policy, the kubernetes Service): several API servers on one etcd make them at
// once, so one whose create or update was beaten by another (409), or whose fixed
// cluster IP another is allocating for the same Service (422), waits a moment,
// reads again and redoes the step until it finds nothing left to do.
import { ApiError } from '../api/errors.js';
import type { ObjectStore } from './store.js';
import { sleep } from '../util/poll.js';

const attempts = 10;

export async function converge(store: ObjectStore, step: () => Promise<void>): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      return await step();
    } catch (e) {
      if (!(e instanceof ApiError && (e.code === 409 || e.code === 422)) || !store.sync || i >= attempts) throw e;
      await sleep(100 * i);
      await store.sync();
    }
  }
}
