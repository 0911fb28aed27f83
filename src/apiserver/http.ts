// HTTP plumbing shared by the routes: bodies, JSON replies, Status errors.
// Bodies are limited while they are read (size) and while they are decoded
// (nesting depth), before anything else looks at them.
import type http from 'node:http';
import YAML, { isMap, isScalar, isSeq, LineCounter, type Node } from 'yaml';
import { ApiError, badRequest, internalError, requestEntityTooLarge, type Status } from '../api/errors.js';
import { maxNestingDepth, scanJson, valueDepth } from '../api/json-scan.js';
import { decodeProtobufBody, protobufMediaType } from '../api/protobuf/decode.js';

/** kube-apiserver's default --max-request-body-bytes. */
export const maxBody = 3 * 1024 * 1024;

export interface DecodedBody {
  value: unknown;
  /** What strict decoding reports besides unknown fields: duplicate fields (JSON and YAML). */
  strictErrors: string[];
  /** For a JSON body: where in it a strict error arises, to list them in document order as Go does. */
  orderOf?: (error: string) => number;
}

/** What the body is decoded as, for the wording of decoding errors. */
export interface BodyContext {
  /** The kind a create or update expects. */
  kind?: string;
  /** The body is a patch. */
  patch?: boolean;
}

async function readLimited(req: http.IncomingMessage): Promise<Buffer> {
  if (Number(req.headers['content-length'] ?? 0) > maxBody) throw requestEntityTooLarge(`limit is ${maxBody}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBody) throw requestEntityTooLarge(`limit is ${maxBody}`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** apiserver's summarizeData: the start of a JSON object as text, anything else in hex. */
function summarize(body: Buffer): string {
  if (body.length === 0) return '<empty>';
  const cut = body.subarray(0, 30);
  const text = body[0] === 0x7b ? cut.toString('utf8') : cut.toString('hex');
  return body.length > 30 ? `${text} ...` : text;
}

function jsonError(message: string, body: Buffer, ctx: BodyContext): ApiError {
  if (ctx.patch) return badRequest(`error decoding patch: ${message}`);
  const parse = `couldn't get version/kind; json parse error: ${message}`;
  if (ctx.kind) return badRequest(`the object provided is unrecognized (must be of type ${ctx.kind}): ${parse} (${summarize(body)})`);
  return badRequest(parse);
}

function decodeJson(body: Buffer, ctx: BodyContext): DecodedBody {
  const text = body.toString('utf8');
  if (text.trim() === '') return { value: undefined, strictErrors: [] };
  try {
    const scan = scanJson(text);
    return { value: JSON.parse(text), strictErrors: scan.duplicates, orderOf: scan.orderOf };
  } catch (e) {
    throw jsonError((e as Error).message, body, ctx);
  }
}

/** goyaml's strict errors: keys set twice in one mapping, by line. */
function yamlDuplicates(node: Node | null | undefined, lines: LineCounter, out: string[]): void {
  if (isSeq(node)) for (const item of node.items) yamlDuplicates(item as Node, lines, out);
  if (!isMap(node)) return;
  const keys = new Set<string>();
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    if (keys.has(key)) out.push(`line ${lines.linePos((pair.key as Node).range?.[0] ?? 0).line}: key ${JSON.stringify(key)} already set in map`);
    keys.add(key);
    yamlDuplicates(pair.value as Node, lines, out);
  }
}

/**
 * The yaml library recurses per level and overflows the stack near 900 levels, sometimes fatally
 * (inside V8's regexp compiler), so YAML is bounded before it is parsed: by indentation plus compact
 * "- " indicators on a line, plus open flow brackets, which together bound the real nesting from above.
 */
const maxYamlNesting = 200;

function yamlNestingBound(text: string): number {
  let flow = 0;
  let deepest = 0;
  for (const line of text.split('\n')) {
    const block = /^[ \t]*(?:[-?:][ \t]+)*/.exec(line)![0].length;
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (c === 0x5b || c === 0x7b) flow++;
      else if ((c === 0x5d || c === 0x7d) && flow > 0) flow--;
    }
    deepest = Math.max(deepest, block + flow);
    if (deepest > maxYamlNesting) break;
  }
  return deepest;
}

function decodeYaml(body: Buffer): DecodedBody {
  const lines = new LineCounter();
  const tooDeep = badRequest(`error converting YAML to JSON: yaml: exceeded max depth of ${maxYamlNesting}`);
  if (yamlNestingBound(body.toString('utf8')) > maxYamlNesting) throw tooDeep;
  let doc: YAML.Document.Parsed;
  let value: unknown;
  try {
    doc = YAML.parseDocument(body.toString('utf8'), { uniqueKeys: false, lineCounter: lines });
    if (doc.errors.length > 0) throw badRequest(`error converting YAML to JSON: yaml: ${doc.errors[0]!.message.split('\n')[0]}`);
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    if (e instanceof ApiError) throw e;
    if (e instanceof RangeError) throw tooDeep; // the parser recursed too deep
    throw badRequest(`error converting YAML to JSON: yaml: ${(e as Error).message.split('\n')[0]}`);
  }
  if (valueDepth(value) > maxYamlNesting) throw tooDeep; // aliases can nest what the text does not
  const dups: string[] = [];
  yamlDuplicates(doc.contents, lines, dups);
  return { value: value ?? undefined, strictErrors: dups.length > 0 ? [`yaml: unmarshal errors:\n  ${dups.join('\n  ')}`] : [] };
}


/** Reads and decodes a request body: JSON, YAML (Content-Type application/yaml) or Kubernetes protobuf. */
export async function readRequestBody(req: http.IncomingMessage, ctx: BodyContext = {}): Promise<DecodedBody> {
  const body = await readLimited(req);
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  // kubectl's typed clients (`kubectl create deployment|service|namespace|...`) send protobuf.
  if (contentType === protobufMediaType && body.length > 0) {
    const value = decodeProtobufBody(body);
    if (valueDepth(value) > maxNestingDepth) throw badRequest(`proto: exceeded max depth of ${maxNestingDepth}`);
    return { value, strictErrors: [] };
  }
  if (contentType === 'application/yaml') return decodeYaml(body);
  // Server-side apply bodies are YAML, of which JSON is the form kubectl sends.
  if (contentType === 'application/apply-patch+yaml' && !/^\s*[{[]/.test(body.subarray(0, 64).toString('utf8'))) return decodeYaml(body);
  return decodeJson(body, ctx);
}

export async function readBody(req: http.IncomingMessage, ctx: BodyContext = {}): Promise<unknown> {
  return (await readRequestBody(req, ctx)).value;
}

/** The fieldValidation query parameter: Warn unless asked otherwise. */
export function fieldValidation(query: URLSearchParams): 'Ignore' | 'Warn' | 'Strict' {
  const v = query.get('fieldValidation');
  if (v === null || v === '') return 'Warn';
  if (v === 'Ignore' || v === 'Warn' || v === 'Strict') return v;
  throw badRequest(`fieldValidation parameter unsupported: ${v}`);
}

/** Warnings go out as Warning headers, which kubectl prints. */
export function setWarnings(res: http.ServerResponse, warnings: string[]): void {
  if (warnings.length > 0) res.setHeader('Warning', warnings.map((w) => `299 - ${JSON.stringify(w)}`));
}

export function sendJson(res: http.ServerResponse, code: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) });
  res.end(data);
}

export function sendError(res: http.ServerResponse, err: unknown): void {
  const status: Status = err instanceof ApiError ? err.status : internalError((err as Error)?.message ?? String(err)).status;
  if (!(err instanceof ApiError)) console.error('apiserver: internal error:', err);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, status.code, status);
}
