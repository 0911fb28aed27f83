// Projected volumes, as the kubelet's projected volume plugin writes them: a ServiceAccount
// token (TokenRequest bound to the pod, renewed at 80% of its lifetime), ConfigMap keys and
// downward-API fields, in a per-pod directory the runtime mounts read-only into the containers.
// Files are replaced by rename, so a container reading its token never sees half of one.
import fs from 'node:fs';
import path from 'node:path';
import type { ConfigMap, Container, Pod, Volume } from '../../api/types.js';
import type { Mount } from './cri/cri.js';
import { fieldRefValue } from './env.js';

export interface VolumeSources {
  /** POST serviceaccounts/<name>/token bound to the pod. */
  token(pod: Pod, audience: string | undefined, expirationSeconds: number): Promise<{ token: string; expirationTimestamp: string }>;
  configMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
}

/** upstream: a token is renewed once 80% of its lifetime has passed (or after 24 h). */
export function refreshDelayMs(issuedAt: number, expiresAt: number): number {
  return Math.max(1000, Math.min((expiresAt - issuedAt) * 0.8, 24 * 3600_000));
}

function writeAtomic(dir: string, file: string, content: string, mode: number): void {
  const target = path.join(dir, file);
  fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
  const tmp = path.join(path.dirname(target), `..${path.basename(file)}.tmp`);
  fs.writeFileSync(tmp, content, { mode });
  fs.chmodSync(tmp, mode);
  fs.renameSync(tmp, target);
}

export class ProjectedVolumes {
  private ready?: Promise<void>;
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly pod: Pod,
    /** <pod dir>/volumes: root-only above it, the volume directories themselves 0755. */
    private readonly dir: string,
    private readonly sources: VolumeSources,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  private volumes(): Volume[] {
    return (this.pod.spec.volumes ?? []).filter((v) => v.projected);
  }

  /** Writes every projected volume once (again after a failure); throws `MountVolume.SetUp failed ...`. */
  setUp(): Promise<void> {
    this.ready ??= (async () => {
      for (const v of this.volumes()) {
        try {
          await this.write(v);
        } catch (e) {
          throw new Error(`MountVolume.SetUp failed for volume "${v.name}" : ${(e as Error).message}`);
        }
      }
    })().catch((e) => {
      this.ready = undefined;
      throw e;
    });
    return this.ready;
  }

  /** The container's mounts of projected volumes (read-only, as upstream mounts them). */
  mounts(c: Container): Mount[] {
    const projected = new Set(this.volumes().map((v) => v.name));
    return (c.volumeMounts ?? []).filter((m) => projected.has(m.name)).map((m) => ({ hostPath: path.join(this.dir, m.name), containerPath: m.mountPath, readOnly: true }));
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
  }

  private async write(v: Volume): Promise<void> {
    const dir = path.join(this.dir, v.name);
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    const mode = v.projected?.defaultMode ?? 0o644;
    const ns = this.pod.metadata.namespace ?? 'default';
    for (const s of v.projected?.sources ?? []) {
      if (s.serviceAccountToken) await this.writeToken(dir, s.serviceAccountToken, mode);
      else if (s.configMap) {
        const cm = await this.sources.configMap(ns, s.configMap.name ?? '');
        if (!cm) {
          if (s.configMap.optional) continue;
          throw new Error(`configmap "${s.configMap.name}" not found`);
        }
        const items = s.configMap.items ?? Object.keys(cm.data ?? {}).map((key) => ({ key, path: key, mode: undefined }));
        for (const item of items) {
          const value = cm.data?.[item.key];
          if (value === undefined) throw new Error(`configmap references non-existent config key: ${item.key}`);
          writeAtomic(dir, item.path, value, item.mode ?? mode);
        }
      } else if (s.downwardAPI) {
        for (const item of s.downwardAPI.items ?? []) if (item.fieldRef) writeAtomic(dir, item.path, fieldRefValue(this.pod, item.fieldRef.fieldPath), item.mode ?? mode);
      }
    }
  }

  private async writeToken(dir: string, src: { path: string; expirationSeconds?: number; audience?: string }, mode: number): Promise<void> {
    const issuedAt = Date.now();
    const r = await this.sources.token(this.pod, src.audience, src.expirationSeconds ?? 3600);
    writeAtomic(dir, src.path, r.token, mode);
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.writeToken(dir, src, mode).catch((e) => {
        this.log(`kubelet: renewing the token of pod ${this.pod.metadata.namespace}/${this.pod.metadata.name}: ${(e as Error).message}`);
        // Try again in a while; the old token stays until it expires.
        if (!this.stopped) this.timers.add(setTimeout(() => void this.writeToken(dir, src, mode).catch(() => undefined), 10_000));
      });
    }, refreshDelayMs(issuedAt, Date.parse(r.expirationTimestamp)));
    timer.unref();
    this.timers.add(timer);
  }
}
