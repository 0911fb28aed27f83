// The Docker tags of catalogue images (agent/kubelet/catalogue.ts): the docker runtime tags its node
// image with them, the agent's docker CRI creates pod containers from them. No imports: the agent loads it.

const POD_IMAGE_PREFIX = 'svclab.local/';

/** The local tag a catalogue image has in Docker, e.g. svclab.local/lab/hello:latest. */
export function podImageRef(catalogueName: string): string {
  const slash = catalogueName.lastIndexOf('/');
  const tagged = catalogueName.lastIndexOf(':') > slash;
  return `${POD_IMAGE_PREFIX}${catalogueName}${tagged ? '' : ':latest'}`;
}
