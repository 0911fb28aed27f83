// An image's volumes (Docker's VOLUME): each container gets fresh writable directories of
// its own in the pod's state directory, holding what the image has at those paths (the
// node's own files: the netns runtime's image is the host, the docker runtime's is built
// from it) and the image's files, mounted there by the runtime. Gone with the pod.
import fs from 'node:fs';
import path from 'node:path';
import type { Mount } from './cri/cri.js';
import type { ImageSpec } from './catalogue.js';

/** Fills `dir` (the container's, emptied first) with one directory per volume; the mounts that show them to the container. */
export function imageVolumes(dir: string, image: Pick<ImageSpec, 'volumes' | 'files'>, env: Record<string, string>): Mount[] {
  fs.rmSync(dir, { recursive: true, force: true });
  const volumes = image.volumes ?? [];
  if (volumes.length === 0) return [];
  const files = Object.entries(image.files?.(env) ?? {});
  return volumes.map((containerPath, i) => {
    const hostPath = path.join(dir, String(i));
    if (fs.existsSync(containerPath)) fs.cpSync(containerPath, hostPath, { recursive: true, verbatimSymlinks: true });
    else fs.mkdirSync(hostPath, { recursive: true });
    for (const [file, content] of files) {
      const rel = path.relative(containerPath, file);
      if (rel.startsWith('..') || path.isAbsolute(rel)) continue;
      fs.mkdirSync(path.dirname(path.join(hostPath, rel)), { recursive: true });
      fs.writeFileSync(path.join(hostPath, rel), content);
    }
    return { hostPath, containerPath, readOnly: false };
  });
}
