// pod-template-hash: which ReplicaSet holds which pod template.
import { canonicalJson } from '../../api/canonical-json.js';
import type { PodTemplateSpec } from '../../api/types.js';

export const hashLabel = 'pod-template-hash';

function fnv32a(bytes: Uint8Array, hash = 0x811c9dc5): number {
  let h = hash;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

// rand.SafeEncodeString's alphabet: no vowels, no 0/1/3, so no words and no look-alikes.
const safeAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** controller.ComputeHash: FNV-32a over the template (canonical JSON where upstream prints the Go struct), then the collision count, SafeEncodeString'd. */
export function computeHash(template: PodTemplateSpec, collisionCount?: number): string {
  let h = fnv32a(Buffer.from(canonicalJson(template)));
  if (collisionCount !== undefined) {
    const b = Buffer.alloc(8);
    b.writeUInt32LE(collisionCount >>> 0);
    h = fnv32a(b, h);
  }
  return [...String(h)].map((c) => safeAlphabet[c.charCodeAt(0) % safeAlphabet.length]).join('');
}

function templateWithoutHash(t: PodTemplateSpec): string {
  const copy = structuredClone(t);
  if (copy.metadata?.labels) delete copy.metadata.labels[hashLabel];
  return canonicalJson(copy);
}

/** EqualIgnoreHash: same template apart from the pod-template-hash label. */
export function sameTemplate(a: PodTemplateSpec, b: PodTemplateSpec): boolean {
  return templateWithoutHash(a) === templateWithoutHash(b);
}
