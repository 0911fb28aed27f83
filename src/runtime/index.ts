import { runtimes, type RuntimeName } from '../lab/plan.js';
import { DockerRuntime } from './docker/index.js';
import { NetnsRuntime } from './netns/index.js';
import type { Runtime } from './runtime.js';

/** `log` receives progress lines of slow first-time work (building the docker node image). */
export function runtimeFor(name: RuntimeName, log?: (line: string) => void): Runtime {
  switch (name) {
    case 'netns':
      return new NetnsRuntime();
    case 'docker':
      return new DockerRuntime(log);
  }
}

/**
 * For labs known only by their leftovers (no lab.json): the docker runtime finds and removes
 * containers when an engine answers, and namespaces always, so it covers both runtimes.
 */
export function leftoversRuntime(): Runtime {
  return new DockerRuntime();
}

/** Every runtime: what `lab clean` asks for the images they built. */
export function allRuntimes(): Runtime[] {
  return runtimes.map((name) => runtimeFor(name));
}
