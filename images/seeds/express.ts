// Just enough of Express 4 + body-parser + morgan("combined") for the seed tutorial's
// Node apps to answer with the same bodies, headers and log lines as the real images.
import crypto from 'node:crypto';
import http from 'node:http';
import { clfDate } from '../lib/clf.js';
import { exitOnStop } from '../lib/pod.js';

export interface Request {
  query: URLSearchParams;
  body: unknown;
}
/** Like res.send: a string is sent as HTML, anything else but undefined as JSON. */
export type Handler = (req: Request) => unknown;

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

// finalhandler's page for unmatched routes and errors.
const errorPage = (message: string): string =>
  `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n<pre>${escapeHtml(message)}</pre>\n</body>\n</html>\n`;

function send(res: http.ServerResponse, value: unknown): void {
  if (value === undefined) return void res.end();
  const json = typeof value !== 'string';
  const body = json ? JSON.stringify(value) : value;
  const sha1 = crypto.createHash('sha1').update(body).digest('base64').substring(0, 27);
  res.setHeader('Content-Type', `${json ? 'application/json' : 'text/html'}; charset=utf-8`);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.setHeader('ETag', `W/"${Buffer.byteLength(body).toString(16)}-${sha1}"`);
  res.end(body);
}

function fail(res: http.ServerResponse, status: number, message: string): void {
  const body = errorPage(message);
  res.statusCode = status;
  res.setHeader('Content-Security-Policy', "default-src 'none'");
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

/** bodyParser.json(): only JSON objects/arrays, {} when the request is not JSON. */
async function readBody(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString().trim();
  if (!/^application\/json\b/.test(req.headers['content-type'] ?? '') || text === '') return {};
  if (!/^[[{]/.test(text)) throw new SyntaxError('not a JSON object or array');
  return JSON.parse(text);
}

function combinedLog(req: http.IncomingMessage, res: http.ServerResponse): string {
  const h = (v: string | number | string[] | undefined): string => (v === undefined ? '-' : String(v));
  return `${req.socket.remoteAddress} - - [${clfDate()}] "${req.method} ${req.url} HTTP/${req.httpVersion}" ${res.statusCode} ${h(res.getHeader('content-length'))} "${h(req.headers.referer)}" "${h(req.headers['user-agent'])}"`;
}

/** Routes are keyed "GET /path"; GET routes answer HEAD too, like Express. */
export function serve(port: number, routes: Record<string, Handler>): void {
  const server = http.createServer((req, res) => {
    res.on('finish', () => console.log(combinedLog(req, res)));
    res.setHeader('X-Powered-By', 'Express');
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const handler = routes[`${method} ${url.pathname}`];
    if (!handler) return fail(res, 404, `Cannot ${req.method} ${url.pathname}`);
    void (async () => {
      let body: unknown;
      try {
        body = await readBody(req);
      } catch {
        return fail(res, 400, 'Bad Request');
      }
      send(res, await handler({ query: url.searchParams, body }));
    })();
  });
  exitOnStop();
  server.listen(port, '0.0.0.0');
  console.log(`Running on http://0.0.0.0:${port}`);
}
