import type { RuntimeName } from '../lab/plan.js';
import { NetnsRuntime } from './netns/index.js';
import type { Runtime } from './runtime.js';

export function runtimeFor(name: RuntimeName): Runtime {
  switch (name) {
    case 'netns':
      return new NetnsRuntime();
    case 'docker':
      throw new Error('the docker runtime is not built yet (see README, "What does not work yet")');
  }
}
