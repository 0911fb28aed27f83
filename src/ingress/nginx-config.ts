// The model as nginx configuration (pure): one server per host, upstreams of endpoint IPs,
// locations that give the spec's matching with nginx's own rules (exact `=` locations win,
// then the longest `^~` prefix), maps for method, header and query matches, split_clients for weights.
import type { Candidate, Model, Route, VirtualHost, WeightedBackend } from './model.js';

export interface RenderOptions {
  /** nginx's prefix: temp files, pid and certificates live under it. */
  dir: string;
  httpPort: number;
  httpsPort: number;
  healthPort: number;
  workers: number;
}

export const defaultRenderOptions = { httpPort: 80, httpsPort: 443, healthPort: 10254, workers: 1 };

// Local servers that answer with a fixed status, so a variable proxy_pass can point at them too.
const statusServers = { 404: 18404, 500: 18500, 503: 18503 } as const;
type FixedStatus = keyof typeof statusServers;
const statusUpstream = (code: FixedStatus): string => `svclab-status-${code}`;

interface Location {
  head: string;
  body: string[];
}

/** A double-quoted nginx string: `\` and `"` escaped, so a value can never end the directive. */
export function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function regexEscape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

function serverName(h: VirtualHost): string {
  if (h.host === '') return '_';
  // nginx's own "*.example.com" matches any depth, as Gateway API hostnames do; an Ingress's wildcard matches exactly one label.
  if (h.host.startsWith('*.') && !h.wildcardSuffix) return quote(`~^[^.]+\\.${regexEscape(h.host.slice(2))}$`);
  return h.host;
}

function target(b: WeightedBackend | undefined): string {
  if (b?.invalid) return statusUpstream(500);
  return b?.upstream ?? statusUpstream(503);
}

class Renderer {
  private readonly maps: string[] = [];
  private readonly splits: string[] = [];
  private n = 0;

  constructor(private readonly o: RenderOptions) {}

  /** The upstream name a candidate sends to (a split_clients variable for weighted backends). */
  private candidateTarget(c: Candidate): string {
    const backends = c.backends.filter((b) => b.weight > 0);
    if (backends.length === 0) return statusUpstream(500);
    if (backends.length === 1) return target(backends[0]);
    const total = backends.reduce((s, b) => s + b.weight, 0);
    const v = `$svclab_split_${this.n++}`;
    const lines = backends.slice(0, -1).map((b) => `    ${((b.weight * 100) / total).toFixed(2)}% ${target(b)};`);
    this.splits.push(`  split_clients "\${request_id}" ${v} {\n${lines.join('\n')}\n    * ${target(backends.at(-1))};\n  }`);
    return v;
  }

  /** A variable that is "1" when every condition of the candidate holds. */
  private condition(c: Candidate): string {
    const parts = c.conditions.map((x) => {
      const v = `$svclab_c_${this.n++}`;
      const re = x.regex ? `~${x.value}` : `~^${regexEscape(x.value)}$`;
      this.maps.push(`  map $${x.variable} ${v} {\n    ${quote(re)} 1;\n    default 0;\n  }`);
      return v;
    });
    if (parts.length === 1) return parts[0]!;
    const v = `$svclab_m_${this.n++}`;
    this.maps.push(`  map "${parts.join('')}" ${v} {\n    ${quote('1'.repeat(parts.length))} 1;\n    default 0;\n  }`);
    return v;
  }

  private proxy(candidates: Candidate[], fallback: string): string[] {
    const plain = candidates.find((c) => c.conditions.length === 0);
    const conditional = candidates.filter((c) => c.conditions.length > 0);
    const base = plain ? this.candidateTarget(plain) : fallback;
    if (conditional.length === 0) {
      if (base === statusUpstream(503)) return ['return 503;'];
      if (base === statusUpstream(500)) return ['return 500;'];
      if (base === statusUpstream(404)) return ['return 404;'];
      return [`proxy_pass http://${base};`];
    }
    const lines = [`set $svclab_target ${base};`];
    // Later ifs override earlier ones: the most specific candidate goes last.
    for (const c of [...conditional].reverse()) lines.push(`if (${this.condition(c)}) {`, `  set $svclab_target ${this.candidateTarget(c)};`, '}');
    lines.push('proxy_pass http://$svclab_target;');
    return lines;
  }

  private locations(route: Route, fallback: string): Location[] {
    const body = this.proxy(route.candidates, fallback);
    switch (route.kind) {
      case 'Exact':
        return [{ head: `= ${quote(route.path)}`, body }];
      case 'Prefix':
        // Element-wise: "/foo" is /foo itself and everything under /foo/, never /foobar.
        if (route.path === '/') return [{ head: '/', body }];
        return [{ head: `= ${quote(route.path)}`, body }, { head: `^~ ${quote(`${route.path}/`)}`, body }];
      case 'ImplementationSpecific':
        return [{ head: route.path === '/' ? '/' : `^~ ${quote(route.path)}`, body }];
      case 'RegularExpression':
        return [{ head: `~ ${quote(`^${route.path}`)}`, body }];
    }
  }

  server(h: VirtualHost): string[] {
    const isDefault = h.host === '';
    const flag = isDefault ? ' default_server' : '';
    const lines = [`server {`, `  listen ${this.o.httpPort}${flag};`];
    if (h.certificate || isDefault) lines.push(`  listen ${this.o.httpsPort} ssl${flag};`);
    lines.push(`  server_name ${serverName(h)};`);
    if (h.certificate) lines.push(`  ssl_certificate certs/${h.certificate}.pem;`, `  ssl_certificate_key certs/${h.certificate}.pem;`);
    if (h.certificate && h.sslRedirect) lines.push('  if ($scheme = http) {', '    return 308 https://$host$request_uri;', '  }');
    else if (isDefault) lines.push('  ssl_reject_handshake on;');
    const fallback = h.fallback ? target(h.fallback) : statusUpstream(404);
    // Exact and Prefix of one path both want `= path`: Exact routes come first and keep it.
    const routes = [...h.routes].sort((a, b) => Number(b.kind === 'Exact') - Number(a.kind === 'Exact'));
    const locations = new Map<string, string[]>();
    for (const r of routes) for (const l of this.locations(r, fallback)) if (!locations.has(l.head)) locations.set(l.head, l.body);
    if (!locations.has('/')) locations.set('/', this.proxy(h.fallback ? [{ conditions: [], rank: [0, 0, 0], backends: [h.fallback] }] : [], fallback));
    for (const [head, body] of locations) lines.push(`  location ${head} {`, ...body.map((l) => `    ${l}`), '  }');
    lines.push('}');
    return lines;
  }

  render(m: Model): string {
    const servers = m.hosts.flatMap((h) => this.server(h));
    const upstreams = [...m.upstreams].flatMap(([name, servers]) => [`  upstream ${name} {`, ...servers.map((s) => `    server ${s} max_fails=0;`), '    keepalive 32;', '  }']);
    const statuses = Object.entries(statusServers).flatMap(([code, port]) => [
      `  upstream ${statusUpstream(Number(code) as FixedStatus)} {`,
      `    server 127.0.0.1:${port};`,
      '  }',
      `  server {`,
      `    listen 127.0.0.1:${port};`,
      `    return ${code};`,
      '  }',
    ]);
    const tmp = (name: string): string => `${this.o.dir}/tmp/${name}`;
    return [
      '# Rendered by the svclab ingress controller; replaced as a whole on every change.',
      `worker_processes ${this.o.workers};`,
      `pid ${this.o.dir}/nginx.pid;`,
      // The controller logs its reloads; nginx only what needs attention.
      'error_log stderr warn;',
      'events {',
      '  worker_connections 4096;',
      '}',
      'http {',
      '  access_log off;',
      '  server_tokens off;',
      `  client_body_temp_path ${tmp('client_body')};`,
      `  proxy_temp_path ${tmp('proxy')};`,
      `  fastcgi_temp_path ${tmp('fastcgi')};`,
      `  uwsgi_temp_path ${tmp('uwsgi')};`,
      `  scgi_temp_path ${tmp('scgi')};`,
      '  server_names_hash_bucket_size 128;',
      '  map_hash_bucket_size 128;',
      '  proxy_http_version 1.1;',
      '  proxy_set_header Connection "";',
      '  proxy_set_header Host $host;',
      '  proxy_set_header X-Real-IP $remote_addr;',
      '  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
      '  proxy_set_header X-Forwarded-Host $host;',
      '  proxy_set_header X-Forwarded-Port $server_port;',
      '  proxy_set_header X-Forwarded-Proto $scheme;',
      '  proxy_set_header X-Request-ID $request_id;',
      '  proxy_connect_timeout 5s;',
      '  proxy_next_upstream error timeout;',
      ...servers.map((l) => `  ${l}`),
      ...this.maps,
      ...this.splits,
      ...upstreams,
      ...statuses,
      '  server {',
      `    listen ${this.o.healthPort};`,
      '    location = /healthz {',
      '      return 200 "ok\\n";',
      '    }',
      '    location / {',
      '      return 404;',
      '    }',
      '  }',
      '}',
      '',
    ].join('\n');
  }
}

export function renderNginx(m: Model, o: RenderOptions): string {
  return new Renderer(o).render(m);
}
