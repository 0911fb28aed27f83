// Outgoing HTTP for the pod programs. node:http rather than fetch: fetch refuses
// "bad ports" such as 17 and 19, which the seed tutorial's services use.
import http from 'node:http';

export interface Reply {
  status: number;
  type?: string;
  body: string;
}

export function request(url: string, init: { method?: string; json?: unknown } = {}): Promise<Reply> {
  const payload = init.json === undefined ? undefined : JSON.stringify(init.json);
  const headers = payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) };
  return new Promise((resolve, reject) => {
    // A new connection per call (agent: false) so calls through a Service spread over its endpoints.
    const req = http.request(url, { method: init.method ?? 'GET', headers, agent: false, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out after 5s')));
    req.on('error', reject);
    req.end(payload);
  });
}
