// The `nginx` image: Debian's nginx laid out as the official image has it. Its configuration
// (/etc/nginx/nginx.conf and conf.d/default.conf, the official image's files) lives in the
// container's own /etc/nginx, and pid and temp files in its own /var/lib/nginx (Debian's
// compiled-in temp path), so nothing is written to the host's copies; access log to stdout,
// error log to stderr, the Welcome page of /usr/share/nginx/html.
import { spawnSync } from 'node:child_process';

export const NGINX_VOLUMES = ['/etc/nginx', '/var/lib/nginx'];

let version: string | undefined;
/** The host's nginx version (1.22.1 on Debian 12): the image's NGINX_VERSION, as the official image sets it. */
export function nginxVersion(): string {
  if (version === undefined) {
    const r = spawnSync('/usr/sbin/nginx', ['-v'], { encoding: 'utf8' });
    version = /nginx\/(\S+)/.exec(`${r.stderr ?? ''}`)?.[1] ?? '';
  }
  return version;
}

/** The official image's entrypoint, reduced to what it prints: its templates are rendered before the start. */
export const ENTRYPOINT_SCRIPT = 'if [ "$1" = nginx ] || [ "$1" = nginx-debug ]; then echo "$0: Configuration complete; ready for start up"; fi; exec "$@"';

/** The official image's nginx.conf, with its paths made the container's own. */
export const NGINX_CONF = `user  nobody nogroup;
# One worker per pod (the official image says auto): a lab runs many pods on one host.
worker_processes  1;

error_log  stderr notice;
pid        /var/lib/nginx/nginx.pid;

events {
    worker_connections  1024;
}

http {
    include       /etc/nginx/mime.types;
    default_type  application/octet-stream;

    log_format  main  '$remote_addr - $remote_user [$time_local] "$request" '
                      '$status $body_bytes_sent "$http_referer" '
                      '"$http_user_agent" "$http_x_forwarded_for"';

    access_log  /dev/stdout  main;

    sendfile        on;
    #tcp_nopush     on;

    keepalive_timeout  65;

    #gzip  on;

    include /etc/nginx/conf.d/*.conf;
}
`;

/** conf.d/default.conf: the official image's server on port 80, or on the port PORT names (the lab's apps' convention, seed 003). */
export function defaultConf(env: Record<string, string>): string {
  const port = /^\d+$/.test(env.PORT ?? '') && Number(env.PORT) > 0 && Number(env.PORT) < 65536 ? Number(env.PORT) : 80;
  return `server {
    listen       ${port};
    server_name  localhost;

    location / {
        root   /usr/share/nginx/html;
        index  index.html index.htm;
    }
}
`;
}

/** What the image holds in its volumes for a container with this environment. */
export function nginxFiles(env: Record<string, string>): Record<string, string> {
  return { '/etc/nginx/nginx.conf': NGINX_CONF, '/etc/nginx/conf.d/default.conf': defaultConf(env) };
}
