// Picks the node's container runtime. Docker's client is loaded only when used:
// it would cost every netns agent memory for nothing.
import type { PodRuntime, PodRuntimeOptions } from './cri.js';
import { NetnsPodRuntime } from './netns.js';
import { Sandboxes } from './sandbox.js';

export async function createPodRuntime(kind: string, o: PodRuntimeOptions): Promise<PodRuntime> {
  const sandboxes = new Sandboxes(o.lab, `${o.stateDir}/nodes/${o.nodeName}/pods`, o.podCIDR, o.mtu);
  if (kind === 'netns') return new NetnsPodRuntime(sandboxes);
  if (kind === 'docker') {
    const { DockerPodRuntime } = await import('./docker.js');
    return DockerPodRuntime.connect(sandboxes, o);
  }
  throw new Error(`unknown runtime "${kind}" (netns, docker)`);
}
