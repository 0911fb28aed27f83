// HTTP plumbing shared by the routes: bodies, JSON replies, Status errors.
import type http from 'node:http';
import { ApiError, badRequest, internalError, type Status } from '../api/errors.js';
import { decodeProtobufBody, protobufMediaType } from '../api/protobuf/decode.js';

const maxBody = 3 * 1024 * 1024;

export async function readBody(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBody) throw new ApiError({ ...badRequest('').status, code: 413, reason: 'RequestEntityTooLarge', message: 'the request body is too large' });
    chunks.push(chunk as Buffer);
  }
  const body = Buffer.concat(chunks);
  // kubectl's typed clients (`kubectl create deployment|service|namespace|...`) send protobuf.
  if ((req.headers['content-type'] ?? '').startsWith(protobufMediaType) && body.length > 0) return decodeProtobufBody(body);
  const text = body.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(e as Error).message}`);
  }
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
