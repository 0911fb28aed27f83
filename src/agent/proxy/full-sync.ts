// When a sync rewrites everything rather than the changed services alone, the same in every
// kernel backend (kube-proxy's needFullSync): the first and periodic syncs (no change set), the
// sync after a failed one or a cleanup, and a node whose addresses changed (they appear in
// unchanged rules too), plus what a backend adds.
import type { SyncRequest } from './model.js';

export class FullSync {
  private needed = true;
  private lastNode = '';

  /** Whether this sync must be full; `also`: a backend's own reason. */
  due(req: SyncRequest, also = false): boolean {
    return !req.changed || this.needed || JSON.stringify(req.node) !== this.lastNode || also;
  }

  /** The sync went in: the next one may be partial. */
  done(req: SyncRequest): void {
    this.needed = false;
    this.lastNode = JSON.stringify(req.node);
  }

  /** A failed sync or a cleanup: the backend's view of the kernel is wrong, only a full sync restores it. */
  lost(): void {
    this.needed = true;
  }
}
