// bretfisher/httpenv (Go, port 8888) from the seed course: every path answers the
// process environment as JSON, encoded the way Go's json.Marshal does it.
import http from 'node:http';
import { exitOnStop, listenPort } from '../lib/pod.js';

const port = listenPort(8888);

function goJSON(env: NodeJS.ProcessEnv): string {
  const sorted = Object.fromEntries(Object.keys(env).sort().map((k) => [k, env[k]]));
  return JSON.stringify(sorted).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const server = http.createServer((_req, res) => {
  const body = goJSON(process.env);
  res.setHeader('Date', new Date().toUTCString());
  res.setHeader('Content-Length', Buffer.byteLength(body));
  // Go sniffs the content type of a body starting with "{" as plain text.
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end(body);
});

exitOnStop();
server.listen(port, '0.0.0.0', () => console.log(`Starting httpenv listening on port ${port}.`));
