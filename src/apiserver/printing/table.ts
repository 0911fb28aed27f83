// meta.k8s.io Table responses: what `kubectl get` asks for with
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`. Columns of priority 1
// are always sent; kubectl shows them with -o wide.
import type { KubeObject } from '../../api/types.js';

interface Column {
  name: string;
  type: 'string' | 'integer' | 'date';
  format?: 'name';
  priority?: 1;
}

type Cell = string | number;

export interface Printer {
  columns: Column[];
  /** The cells of one object, in column order; `now` is the time AGE is measured against. */
  cells(obj: KubeObject, now: number): Cell[];
}

type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableRequest {
  /** The Table's apiVersion the client asked for: meta.k8s.io/v1 or meta.k8s.io/v1beta1. */
  apiVersion: string;
  includeObject: IncludeObject;
}

interface MediaType {
  type: string;
  params: Record<string, string>;
}

function parseAccept(accept: string): MediaType[] {
  return accept.split(',').map((part) => {
    const [type, ...params] = part.split(';').map((s) => s.trim());
    const map: Record<string, string> = {};
    for (const p of params) {
      const eq = p.indexOf('=');
      if (eq > 0) map[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
    }
    return { type: type!.toLowerCase(), params: map };
  });
}

/** The Table the client prefers, or undefined when it prefers (or only takes) plain objects. */
export function tableRequested(accept: string | undefined, query: URLSearchParams): TableRequest | undefined {
  for (const m of parseAccept(accept ?? '')) {
    if (m.type !== 'application/json' && m.type !== '*/*' && m.type !== 'application/*') continue;
    if (m.params.as === undefined) return undefined;
    if (m.params.as === 'Table' && m.params.g === 'meta.k8s.io' && (m.params.v === 'v1' || m.params.v === 'v1beta1')) {
      const include = query.get('includeObject');
      return { apiVersion: `meta.k8s.io/${m.params.v}`, includeObject: include === 'None' || include === 'Object' ? include : 'Metadata' };
    }
  }
  return undefined;
}

function rowObject(obj: KubeObject, req: TableRequest): unknown {
  switch (req.includeObject) {
    case 'None':
      return undefined;
    case 'Object':
      return obj;
    case 'Metadata':
      return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
  }
}

export interface TableOptions {
  resourceVersion: string;
  /** Watch events after the first leave the columns out (kubectl reuses the last ones). */
  withColumns?: boolean;
  now?: number;
}

export function toTable(printer: Printer, objects: KubeObject[], req: TableRequest, opts: TableOptions): unknown {
  const now = opts.now ?? Date.now();
  const columns = printer.columns.map((c) => ({ description: '', priority: 0, ...c, format: c.format ?? '' }));
  return {
    kind: 'Table',
    apiVersion: req.apiVersion,
    metadata: { resourceVersion: opts.resourceVersion },
    columnDefinitions: opts.withColumns === false ? [] : columns,
    rows: objects.map((obj) => ({ cells: printer.cells(obj, now), object: rowObject(obj, req) })),
  };
}
