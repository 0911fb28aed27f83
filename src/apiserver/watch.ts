// ?watch=true: newline-delimited {"type","object"} events from a resourceVersion,
// filtered by namespace and selectors, with DELETED/ADDED when an object
// leaves or enters the selection (as the real watch cache does).
import type http from 'node:http';
import { gone } from '../api/errors.js';
import { matches, matchesFields, type FieldRequirement, type Selector } from '../api/labels.js';
import { apiVersionOf, typeKey, type ResourceType } from '../api/resources.js';
import type { KubeObject, WatchEvent } from '../api/types.js';
import { TooOldError, type Store, type StoreEvent } from './store.js';

export interface WatchFilter {
  namespace?: string;
  labels: Selector;
  fields: FieldRequirement[];
}

export function selected(filter: WatchFilter, obj: KubeObject | undefined): boolean {
  if (!obj) return false;
  if (filter.namespace && obj.metadata.namespace !== filter.namespace) return false;
  return matches(filter.labels, obj.metadata.labels) && matchesFields(filter.fields, obj);
}

/** Maps a store event onto what a watcher with this filter should see, if anything. */
export function project(filter: WatchFilter, e: StoreEvent): WatchEvent | undefined {
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

export function serveWatch(
  store: Store,
  t: ResourceType,
  filter: WatchFilter,
  initial: () => KubeObject[],
  req: http.IncomingMessage,
  res: http.ServerResponse,
  opts: WatchOptions,
): void {
  const key = typeKey(t);
  const rvText = opts.resourceVersion ?? '';
  const send = (event: WatchEvent): void => {
    res.write(JSON.stringify(opts.transform ? opts.transform(event) : event) + '\n');
    if (res.writableLength > maxBuffered) finish(); // a client this slow must relist
  };
  let unsubscribe: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let bookmarkTimer: NodeJS.Timeout | undefined;
  let done = false;
  const finish = (): void => {
    if (done) return;
    done = true;
    unsubscribe?.();
    clearTimeout(timer);
    clearInterval(bookmarkTimer);
    res.end();
  };
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache' });
  res.flushHeaders();
  let from: number;
  if (rvText === '' || rvText === '0') {
    // No resourceVersion: synthetic ADDED events for the current state, then changes.
    from = store.resourceVersion;
    for (const obj of initial()) if (selected(filter, obj)) send({ type: 'ADDED', object: obj });
  } else {
    from = Number(rvText);
    if (!Number.isInteger(from) || from < 0) from = store.resourceVersion;
    if (from > store.resourceVersion) from = store.resourceVersion;
  }
  try {
    unsubscribe = store.subscribe(from, (e) => {
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
  if (opts.timeoutSeconds && opts.timeoutSeconds > 0) timer = setTimeout(finish, opts.timeoutSeconds * 1000);
  if (opts.bookmarks) {
    bookmarkTimer = setInterval(() => {
      send({ type: 'BOOKMARK', object: { kind: t.kind, apiVersion: apiVersionOf(t), metadata: { resourceVersion: String(Math.max(from, store.durableResourceVersion)) } } });
    }, 10_000);
  }
  req.on('close', finish);
  res.on('error', finish);
}
