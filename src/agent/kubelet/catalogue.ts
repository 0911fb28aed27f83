// The image catalogue: the lab has no registry, so each image name a manifest may use
// maps to a program on this host (a built-in Node program or the host's own binaries).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENTRYPOINT_SCRIPT, NGINX_VOLUMES, nginxFiles, nginxVersion } from './nginx-image.js';

export interface ImageSpec {
  name: string;
  entrypoint: string[];
  cmd: string[];
  env: Record<string, string>;
  ports?: number[];
  /** The image's STOPSIGNAL (SIGTERM when unset). */
  stopSignal?: NodeJS.Signals;
  /** Paths where each container gets a fresh writable directory of its own, holding what the image has there (Docker's image VOLUMEs). */
  volumes?: string[];
  /** Files the image holds in its volumes, for a container with this environment (what the official images' entrypoints template). */
  files?: (env: Record<string, string>) => Record<string, string>;
}

type Image = Omit<ImageSpec, 'name'>;

// This module is dist/src/agent/kubelet/catalogue.js; the programs are under dist/images/.
const imagesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../images');
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const program = (script: string, ports: number[], env: Record<string, string> = {}): Image => ({
  entrypoint: [process.execPath, path.join(imagesDir, script)],
  cmd: [],
  env: { PATH, ...env },
  ports,
});
const toolbox = (): Image => ({ entrypoint: [], cmd: ['sleep', 'infinity'], env: { PATH } });

const busyboxBin = path.join(imagesDir, 'busybox', 'bin');
/**
 * busybox's applets as links in one directory (made once; the docker runtime's image carries it):
 * first on PATH, `sh`, `nslookup`, `wget` are busybox's, as in the busybox and alpine images.
 */
export function busyboxApplets(): string {
  if (fs.existsSync(busyboxBin)) return busyboxBin;
  const tmp = `${busyboxBin}.${process.pid}`;
  fs.mkdirSync(tmp, { recursive: true });
  const r = spawnSync('busybox', ['--install', '-s', tmp]);
  try {
    if (r.status !== 0) throw new Error(`busybox --install: ${r.error?.message ?? r.stderr.toString().trim()}`);
    fs.renameSync(tmp, busyboxBin);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!fs.existsSync(busyboxBin)) throw e; // else another agent made it first
  }
  return busyboxBin;
}
const busybox = (): Image => ({ ...toolbox(), env: { PATH: `${busyboxApplets()}:${PATH}` } });
// The tutorial's apps are built on node:12, whose environment `printenv` shows in the seed.
const seedApp = (script: string, port: number): Image =>
  program(`seeds/${script}.js`, [port], { NODE_VERSION: '12.0.0', YARN_VERSION: '1.15.2' });

/** Keyed by repository (any tag) or repository:tag (that tag only). */
const CATALOGUE = new Map<string, (tag: string) => Image>(Object.entries({
  'lab/hello': () => program('hello/main.js', [8080]),
  'lab/echo': () => program('echo/main.js', [7]),
  'lab/toolbox': toolbox,
  busybox,
  alpine: busybox,
  debian: toolbox,
  ubuntu: toolbox,
  'nicolaka/netshoot': toolbox,
  // The image's entrypoint script: arguments that are not a command are curl's.
  'curlimages/curl': () => ({
    ...toolbox(),
    entrypoint: ['/bin/sh', '-c', 'if [ "${1#-}" != "$1" ] || [ -z "$(command -v "$1")" ]; then set -- curl "$@"; fi; exec "$@"', 'entrypoint.sh'],
  }),
  // Debian's nginx whatever the tag, with the official image's entrypoint, command and configuration.
  nginx: () => ({
    entrypoint: ['/bin/sh', '-c', ENTRYPOINT_SCRIPT, '/docker-entrypoint.sh'],
    cmd: ['nginx', '-g', 'daemon off;'],
    env: { PATH, NGINX_VERSION: nginxVersion() },
    ports: [80],
    // As the official image: a graceful stop (requests in flight are served, idle connections closed).
    stopSignal: 'SIGQUIT',
    volumes: NGINX_VOLUMES,
    files: nginxFiles,
  }),
  'bretfisher/httpenv': () => program('seeds/httpenv.js', [8888]),
  // The Kubernetes docs' test server: the subcommand comes as args (netexec, serve-hostname, pause).
  'registry.k8s.io/e2e-test-images/agnhost': agnhost,
  'k8s.gcr.io/e2e-test-images/agnhost': agnhost,
  'hashicorp/http-echo': () => program('http-echo/main.js', [5678]),
  'traefik/whoami': () => program('whoami/main.js', [80]),
  'jpetazzo/httpenv': () => program('seeds/httpenv.js', [8888]),
  // The lab's own components that run as pods: the cluster DNS (kube-system/coredns).
  'svclab/dns': () => ({ entrypoint: [process.execPath, path.join(imagesDir, '..', 'src', 'dns', 'main.js')], cmd: [], env: { PATH }, ports: [53] }),
  // The ingress controller (ingress-nginx/ingress-nginx-controller): Debian's nginx under a TypeScript controller.
  'svclab/ingress-nginx': () => ({ entrypoint: [process.execPath, path.join(imagesDir, '..', 'src', 'ingress', 'main.js')], cmd: [], env: { PATH }, ports: [80, 443, 10254] }),
  'pgolard/ms-hello:v4': () => seedApp('ms-hello', 7777),
  'pgolard/ms-bye:v4': () => seedApp('ms-bye', 9999),
  'pgolard/multcont-morning:v3': () => seedApp('multcont-morning', 1234),
  'pgolard/multcont-afternoon:v3': () => seedApp('multcont-afternoon', 4321),
}));

function agnhost(): Image {
  return { ...program('agnhost/main.js', [8080]), cmd: ['pause'] };
}

const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** Docker reference -> [repository as Docker Hub abbreviates it, tag]. */
function parseReference(image: string): [string, string] {
  let name = image.split('@')[0];
  let tag = 'latest';
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) [name, tag] = [name.slice(0, colon), name.slice(colon + 1)];
  const [first, ...rest] = name.split('/');
  if (rest.length > 0 && DOCKER_HUB.has(first)) name = rest.join('/');
  return [name.replace(/^library\//, ''), tag];
}

export function resolveImage(image: string): ImageSpec | undefined {
  const [repo, tag] = parseReference(image);
  const name = CATALOGUE.has(`${repo}:${tag}`) ? `${repo}:${tag}` : repo;
  const make = CATALOGUE.get(name);
  return make && { name, ...make(tag) };
}

export function catalogueNames(): string[] {
  return [...CATALOGUE.keys()];
}

/** Kubernetes over Docker: command replaces the entrypoint, args replace the cmd. */
export function commandLine(spec: ImageSpec, container: { command?: string[]; args?: string[] }): string[] {
  if (container.command?.length) return [...container.command, ...(container.args ?? [])];
  return [...spec.entrypoint, ...(container.args?.length ? container.args : spec.cmd)];
}
