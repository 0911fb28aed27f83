// client-go's EventRecorder for core/v1 Events: one Event per (object, type,
// reason, message) and source; a repeat bumps count and lastTimestamp with a
// PATCH instead of creating another. Recording never throws.
import { types } from '../api/resources.js';
import { timestamp, type Event, type KubeObject, type ObjectReference } from '../api/types.js';
import { isNotFound, type ApiClient } from './client.js';

export type EventType = 'Normal' | 'Warning';

interface Seen {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
}

// client-go's event cache holds 4096 entries (maxLruCacheEntries).
const cacheSize = 4096;

function referenceTo(obj: KubeObject): ObjectReference {
  const { name, namespace, uid, resourceVersion } = obj.metadata;
  return { kind: obj.kind, namespace, name, uid, apiVersion: obj.apiVersion, resourceVersion };
}

/** Event names are "<object>.<unix nanoseconds in hex>", as client-go makes them. */
function eventName(objectName: string): string {
  const nanos = BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
  return `${objectName}.${nanos.toString(16)}`;
}

export class EventRecorder {
  private readonly seen = new Map<string, Seen>();
  // Writes for one key run one after another, so a repeat never races its first create.
  private readonly pending = new Map<string, Promise<void>>();

  constructor(
    private readonly client: ApiClient,
    readonly component: string,
    readonly host?: string,
  ) {}

  event(obj: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const ref = referenceTo(obj);
    const key = JSON.stringify([this.component, this.host, ref.kind, ref.namespace, ref.name, ref.uid, ref.apiVersion, type, reason, message]);
    const previous = this.pending.get(key) ?? Promise.resolve();
    const next = previous.then(() => this.record(key, ref, type, reason, message));
    this.pending.set(key, next);
    void next.then(() => {
      if (this.pending.get(key) === next) this.pending.delete(key);
    });
    return next;
  }

  private async record(key: string, ref: ObjectReference, type: EventType, reason: string, message: string): Promise<void> {
    const now = timestamp();
    const seen = this.seen.get(key);
    try {
      if (seen) {
        try {
          await this.client.patch(types.events, seen.name, { count: seen.count + 1, lastTimestamp: now }, seen.namespace);
          this.remember(key, { ...seen, count: seen.count + 1 });
          return;
        } catch (e) {
          if (!isNotFound(e)) throw e;
          // The Event expired or was deleted: start a new one that keeps the count.
        }
      }
      const count = (seen?.count ?? 0) + 1;
      // Events about cluster-scoped objects (Nodes) live in "default".
      const namespace = ref.namespace || 'default';
      const event: Event = {
        metadata: { name: eventName(ref.name ?? 'unknown'), namespace },
        involvedObject: ref,
        reason,
        message,
        source: this.host ? { component: this.component, host: this.host } : { component: this.component },
        firstTimestamp: seen?.firstTimestamp ?? now,
        lastTimestamp: now,
        count,
        type,
        eventTime: null,
        reportingComponent: this.component,
        reportingInstance: this.host ?? '',
      };
      const created = await this.client.create<Event>(types.events, event, namespace);
      this.remember(key, { name: created.metadata.name!, namespace, count, firstTimestamp: event.firstTimestamp! });
    } catch (e) {
      console.error(`events: ${reason} for ${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}: ${(e as Error).message}`);
    }
  }

  private remember(key: string, seen: Seen): void {
    this.seen.delete(key);
    this.seen.set(key, seen);
    if (this.seen.size > cacheSize) this.seen.delete(this.seen.keys().next().value!);
  }
}
