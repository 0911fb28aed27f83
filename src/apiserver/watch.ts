// ?watch=true: newline-delimited {"type","object"} events from a resourceVersion,
// filtered by namespace and selectors, with DELETED/ADDED when an object
// leaves or enters the selection (as the real watch cache does).
import type http from 'node:http';
import { badRequest, gone, tooLargeResourceVersion } from '../api/errors.js';
import { fieldErrors } from '../api/validation/field.js';
import { matches, matchesFields, type FieldRequirement, type Selector } from '../api/labels.js';
import { apiVersionOf, typeKey, type ResourceType } from '../api/resources.js';
import type { KubeObject, WatchEvent } from '../api/types.js';
import { TooOldError, type ObjectStore, type StoreEvent } from './store.js';

export interface WatchFilter {
  namespace?: string;
  labels: Selector;
  fields: FieldRequirement[];
}

function selected(filter: WatchFilter, obj: KubeObject | undefined): boolean {
  if (!obj) return false;
  if (filter.namespace && obj.metadata.namespace !== filter.namespace) return false;
  return matches(filter.labels, obj.metadata.labels) && matchesFields(filter.fields, obj);
}

/** Maps a store event onto what a watcher with this filter should see, if anything. */
function project(filter: WatchFilter, e: StoreEvent): WatchEvent | undefined {
  const now = e.type !== 'DELETED' && selected(filter, e.object);
  const before = e.type !== 'ADDED' && selected(filter, e.previous ?? (e.type === 'DELETED' ? e.object : undefined));
  if (e.type === 'DELETED') return before ? { type: 'DELETED', object: e.object } : undefined;
  if (now && before) return { type: 'MODIFIED', object: e.object };
  if (now) return { type: 'ADDED', object: e.object };
  if (before) return { type: 'DELETED', object: e.object };
  return undefined;
}

export interface WatchOptions {
  resourceVersion?: string;
  timeoutSeconds?: number;
  bookmarks?: boolean;
  /** Turns each event's object into what this client asked for (e.g. a Table row). */
  transform?: (event: WatchEvent) => unknown;
}

const maxBuffered = 16 * 1024 * 1024;
/** How long the watch cache waits for a resourceVersion it has not reached (cacher's blockTimeout). */
const blockTimeoutMs = 3000;

/**
 * A resourceVersion parameter: undefined for "" and "0" (any), else a uint64. Anything else is refused
 * in the storage layer's words, with a 400 (upstream still answers 500 here, kubernetes#139485).
 */
export function parseResourceVersion(rv: string | null | undefined): number | undefined {
  if (rv === null || rv === undefined || rv === '' || rv === '0') return undefined;
  const why = !/^[0-9]+$/.test(rv) ? 'invalid syntax' : BigInt(rv) >= 2n ** 64n ? 'value out of range' : undefined;
  if (why) throw badRequest(`resourceVersion: ${fieldErrors.invalid('resourceVersion', rv, `strconv.ParseUint: parsing ${JSON.stringify(rv)}: ${why}`).message}`);
  return Number(rv);
}

/** Resolves true once the store has reached rv, false after blockTimeoutMs (a list at a future resourceVersion). */
export function waitForResourceVersion(store: ObjectStore, rv: number, timeoutMs = blockTimeoutMs): Promise<boolean> {
  if (store.resourceVersion >= rv) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      unsubscribe();
      resolve(ok);
    };
    const timer = setTimeout(() => done(store.resourceVersion >= rv), timeoutMs);
    const unsubscribe = store.subscribe(store.resourceVersion, (e) => {
      if (e.rv >= rv) done(true);
    });
  });
}

export function serveWatch(
  store: ObjectStore,
  t: ResourceType,
  filter: WatchFilter,
  initial: () => KubeObject[],
  req: http.IncomingMessage,
  res: http.ServerResponse,
  opts: WatchOptions,
): void {
  const key = typeKey(t);
  const requested = parseResourceVersion(opts.resourceVersion);
  const send = (event: WatchEvent): void => {
    res.write(JSON.stringify(opts.transform ? opts.transform(event) : event) + '\n');
    if (res.writableLength > maxBuffered) finish(); // a client this slow must relist
  };
  let unsubscribe: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let bookmarkTimer: NodeJS.Timeout | undefined;
  let tooLargeTimer: NodeJS.Timeout | undefined;
  let done = false;
  const finish = (): void => {
    if (done) return;
    done = true;
    unsubscribe?.();
    clearTimeout(timer);
    clearTimeout(tooLargeTimer);
    clearInterval(bookmarkTimer);
    res.end();
  };
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache' });
  res.flushHeaders();
  let from: number;
  if (requested === undefined) {
    // No resourceVersion: synthetic ADDED events for the current state, then changes.
    from = store.resourceVersion;
    for (const obj of initial()) if (selected(filter, obj)) send({ type: 'ADDED', object: obj });
  } else from = requested;
  // A resourceVersion this store has not reached: events after it only, and if it is not reached
  // within blockTimeoutMs, the watch cache's "Too large resource version" so the client relists.
  if (from > store.resourceVersion) {
    tooLargeTimer = setTimeout(() => {
      if (store.resourceVersion >= from) return;
      send({ type: 'ERROR', object: tooLargeResourceVersion(from, store.resourceVersion).status as unknown as KubeObject });
      finish();
    }, blockTimeoutMs);
  }
  try {
    unsubscribe = store.subscribe(Math.min(from, store.resourceVersion), (e) => {
      // Writes accepted before the list but announced after it are already in the client's list.
      if (e.typeKey !== key || done || e.rv <= from) return;
      const ev = project(filter, e);
      if (ev) send(ev);
    });
  } catch (err) {
    if (err instanceof TooOldError) {
      send({ type: 'ERROR', object: gone(err.message).status as unknown as KubeObject });
      finish();
      return;
    }
    throw err;
  }
  // A negative timeout ends the watch at once, as Go's timer does; Node's timers hold at most 2^31-1 ms.
  if (opts.timeoutSeconds !== undefined && opts.timeoutSeconds !== 0) timer = setTimeout(finish, Math.min(Math.max(opts.timeoutSeconds, 0) * 1000, 2 ** 31 - 1));
  if (opts.bookmarks) {
    bookmarkTimer = setInterval(() => {
      send({ type: 'BOOKMARK', object: { kind: t.kind, apiVersion: apiVersionOf(t), metadata: { resourceVersion: String(Math.max(from, store.durableResourceVersion)) } } });
    }, 10_000);
  }
  req.on('close', finish);
  res.on('error', finish);
}
