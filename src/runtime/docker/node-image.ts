// The node image of the Docker runtime, built offline (no registry): `docker import` of a tar
// stream holding this host's installed Debian packages (a fixed list and its Depends/Pre-Depends
// closure, read by dpkg.ts), the node binary and the project, every file at the same path as on the host.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Dockerode from 'dockerode';
import { busyboxApplets, catalogueNames } from '../../agent/kubelet/catalogue.js';
import { podImageRef } from '../../agent/kubelet/cri/pod-image-ref.js';
import { home } from '../../lab/state.js';
import { dependencyClosure, parseAlternatives, parseDpkgStatus, type Alternative, type Package } from './dpkg.js';

export const IMAGE_REPO = 'svclab/node';
export const IMAGE_LABEL = 'svclab.image';
// Bump when what goes into the image changes in a way the hash inputs do not show.
const RECIPE = 'node-image-1';
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Roots of the package closure, in Depends syntax (`a | b`: the first one installed). */
const PACKAGES = [
  'dash', 'bash', 'coreutils', 'grep', 'sed', 'findutils', 'iproute2', 'iptables', 'nftables', 'conntrack',
  'ipset', 'ipvsadm', 'util-linux', 'mount', 'bsdutils', 'procps', 'hostname', 'curl', 'dnsutils',
  'netcat-openbsd', 'iputils-ping', 'busybox | busybox-static', 'telnet', 'wget', 'socat',
  // The `nginx` image and the ingress controller's data plane (svclab/ingress-nginx pods).
  'nginx',
  // A joined node's agent makes its kubelet serving key and CSR with openssl, as the lab's other keys are made.
  'openssl',
  // The node binary's shared libraries (ldd): it comes from the host, not from a package.
  'libc6', 'libstdc++6', 'libgcc-s1',
];
// Alternatives whose choice the image fixes whatever the host chose: kube-proxy's rules go through nf_tables.
export const preferredAlternatives: Record<string, string> = { iptables: '/usr/sbin/iptables-nft', ip6tables: '/usr/sbin/ip6tables-nft' };
const EXCLUDED = ['/usr/share/doc', '/usr/share/man', '/usr/share/locale', '/usr/share/info', '/usr/share/lintian'];
const DPKG = '/var/lib/dpkg';

/** package-lock.json -> the install paths (node_modules/...) of the runtime (non-dev) dependencies. */
export function runtimeModules(lock: { packages?: Record<string, { dev?: boolean; devOptional?: boolean; link?: boolean }> }): string[] {
  return Object.entries(lock.packages ?? {})
    .filter(([p, m]) => p.startsWith('node_modules/') && !m.dev && !m.devOptional)
    .map(([p]) => p)
    .sort();
}

/** The image reference for a content hash. */
export function imageRef(hash: string): string {
  return `${IMAGE_REPO}:${hash.slice(0, 12)}`;
}

/** "repo/name:tag" -> [repo/name, tag]. */
function splitRef(ref: string): [string, string] {
  const colon = ref.lastIndexOf(':');
  return [ref.slice(0, colon), ref.slice(colon + 1)];
}

// ---- the host's files ----

function realDir(cache: Map<string, string | null>, dir: string): string | null {
  let real = cache.get(dir);
  if (real === undefined) {
    try {
      real = fs.realpathSync(dir);
    } catch {
      real = null;
    }
    cache.set(dir, real);
  }
  return real;
}

/** The path with its directories resolved (/bin/sh -> /usr/bin/sh on a merged /usr), the last component kept. */
function canonical(cache: Map<string, string | null>, p: string): string | null {
  if (p === '/') return p;
  const dir = realDir(cache, path.dirname(p));
  return dir === null ? null : path.join(dir, path.basename(p));
}

function packageFiles(p: Package): string[] {
  for (const file of [`${p.name}:${p.arch}.list`, `${p.name}.list`]) {
    try {
      return fs.readFileSync(path.join(DPKG, 'info', file), 'utf8').split('\n').filter((l) => l.startsWith('/') && l !== '/.');
    } catch {
      // the other name
    }
  }
  return [];
}

/** Every file and directory below `dir` (nested node_modules excluded: package-lock lists them), with stats. */
function walk(dir: string, out: Map<string, fs.Stats>): void {
  const st = fs.lstatSync(dir, { throwIfNoEntry: false });
  if (!st) return;
  out.set(dir, st);
  if (!st.isDirectory()) return;
  for (const entry of fs.readdirSync(dir)) if (entry !== 'node_modules') walk(path.join(dir, entry), out);
}

export interface Recipe {
  hash: string;
  ref: string;
  packages: Package[];
  alternatives: Alternative[];
  /** The node binary and the project's files, with their stats. */
  own: Map<string, fs.Stats>;
}

/**
 * The image's content hash: package versions, alternatives, and each own file's path, mode and size plus its
 * content under `contentDir` (tsc rewrites every file of dist/ on each build) or its mtime elsewhere (npm and
 * the node binary's package rewrite only what changes).
 */
export function contentHash(r: Pick<Recipe, 'packages' | 'alternatives' | 'own'>, contentDir: string): string {
  const hash = createHash('sha256');
  hash.update(`${RECIPE}\n${PACKAGES.join(',')}\n${EXCLUDED.join(',')}\n`);
  for (const p of r.packages) hash.update(`${p.name} ${p.version} ${p.arch}\n`);
  for (const a of r.alternatives) hash.update(`${a.link} -> ${a.target}\n`);
  const inside = `${contentDir}/`;
  for (const [p, st] of r.own) {
    hash.update(`${p} ${st.mode} ${st.size} `);
    hash.update(p.startsWith(inside) && st.isFile() ? fs.readFileSync(p) : `${st.mtimeMs}`);
    hash.update('\n');
  }
  return hash.digest('hex');
}

/** What the image is made of and its content hash; cheap: the dpkg status file, stats, and dist/'s 3 MB of content. */
export function recipe(): Recipe {
  const installed = parseDpkgStatus(fs.readFileSync(path.join(DPKG, 'status'), 'utf8'));
  const { packages, missing } = dependencyClosure(installed, PACKAGES);
  if (missing.length > 0) throw new Error(`the node image needs Debian packages that are not installed: ${missing.join(', ')} (apt-get install ${missing.map((m) => m.split('|')[0]!.trim()).join(' ')})`);

  const own = new Map<string, fs.Stats>();
  busyboxApplets(); // dist/images/busybox/bin, made on first use: the image carries it
  for (const bin of new Set([process.execPath, fs.realpathSync(process.execPath)])) own.set(bin, fs.lstatSync(bin));
  for (const p of ['package.json', 'dist/src', 'dist/images']) walk(path.join(home, p), own);
  const lock = JSON.parse(fs.readFileSync(path.join(home, 'package-lock.json'), 'utf8')) as Parameters<typeof runtimeModules>[0];
  for (const m of runtimeModules(lock)) walk(path.join(home, m), own);

  const alternatives: Alternative[] = [];
  const altDir = path.join(DPKG, 'alternatives');
  for (const name of fs.readdirSync(altDir).sort()) {
    let current: string;
    try {
      current = fs.readlinkSync(path.join('/etc/alternatives', name));
    } catch {
      continue;
    }
    alternatives.push(...parseAlternatives(name, fs.readFileSync(path.join(altDir, name), 'utf8'), current, preferredAlternatives[name]));
  }

  const digest = contentHash({ packages, alternatives, own }, path.join(home, 'dist'));
  return { hash: digest, ref: imageRef(digest), packages, alternatives, own };
}

const STAGED: Record<string, string> = {
  'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
  'etc/group': 'root:x:0:\nnogroup:x:65534:\n',
  'etc/nsswitch.conf': 'passwd: files\ngroup: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\n',
};

/** A small directory with the files no package owns: passwd, group, nsswitch.conf, /tmp, the alternatives links. */
function stage(alternatives: Alternative[]): { dir: string; entries: string[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'svclab-image-'));
  fs.mkdirSync(path.join(dir, 'etc', 'alternatives'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'tmp'));
  fs.chmodSync(path.join(dir, 'tmp'), 0o1777);
  for (const [p, content] of Object.entries(STAGED)) fs.writeFileSync(path.join(dir, p), content);
  const entries = ['tmp', ...Object.keys(STAGED), 'etc/alternatives'];
  for (const a of alternatives) {
    fs.symlinkSync(a.target, path.join(dir, 'etc', 'alternatives', a.name));
    entries.push(`etc/alternatives/${a.name}`);
  }
  return { dir, entries };
}

/** The host paths of the image (sorted, directories before their contents) and the alternatives it has. */
function hostPaths(r: Recipe): { files: string[]; alternatives: Alternative[] } {
  const cache = new Map<string, string | null>();
  const paths = new Set<string>();
  const add = (p: string): void => {
    const c = canonical(cache, p);
    if (c === null || paths.has(c) || c.includes('\n') || EXCLUDED.some((e) => c === e || c.startsWith(`${e}/`))) return;
    if (!fs.lstatSync(c, { throwIfNoEntry: false })) return;
    paths.add(c);
    for (let d = path.dirname(c); d !== '/' && !paths.has(d); d = path.dirname(d)) paths.add(d);
  };
  // The merged-/usr links (/bin -> usr/bin...) that no package owns.
  for (const top of ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']) if (fs.lstatSync(top, { throwIfNoEntry: false })?.isSymbolicLink()) paths.add(top);
  for (const p of r.packages) for (const f of packageFiles(p)) add(f);
  for (const f of r.own.keys()) add(f);
  const alternatives = r.alternatives.filter((a) => paths.has(canonical(cache, a.target) ?? ''));
  for (const a of alternatives) add(a.link);
  for (const staged of ['/tmp', ...Object.keys(STAGED).map((s) => `/${s}`), '/etc/alternatives']) paths.delete(staged);
  return { files: [...paths].sort(), alternatives };
}

async function importTar(docker: Dockerode, r: Recipe): Promise<void> {
  const { files, alternatives } = hostPaths(r);
  const staged = stage(alternatives);
  try {
    // GNU tar reads the list from stdin: host paths relative to /, then `-C <staging dir>` and its entries.
    const tar = spawn('tar', ['--create', '--file=-', '--no-recursion', '--numeric-owner', '--directory=/', '--files-from=-'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    tar.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number>((resolve, reject) => {
      tar.on('error', reject);
      tar.on('close', (code) => resolve(code ?? 1));
    });
    tar.stdin.end([...files.map((f) => f.slice(1)), `-C ${staged.dir}`, ...staged.entries, ''].join('\n'));
    const [repo, tag] = splitRef(r.ref);
    const imported = docker
      .importImage(tar.stdout, { repo, tag, changes: [`LABEL ${IMAGE_LABEL}=node`, `ENV PATH=${PATH}`] } as object)
      .then((progress) => followProgress(docker, progress));
    imported.catch(() => tar.kill());
    const [code] = await Promise.all([exited, imported]);
    // tar exits 1 when a file changed while it was read (the project being rebuilt): the hash will differ next time.
    if (code > 1) {
      // Docker may have taken the truncated stream as a whole image.
      await docker.getImage(r.ref).remove({ force: true }).catch(() => undefined);
      throw new Error(`tar failed (exit ${code}): ${stderr.trim().split('\n').slice(-3).join('; ')}`);
    }
  } finally {
    fs.rmSync(staged.dir, { recursive: true, force: true });
  }
}

function followProgress(docker: Dockerode, stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, events: { error?: string }[]) => {
      const failed = err?.message ?? events.find((e) => e.error)?.error;
      if (failed) reject(new Error(`docker import failed: ${failed}`));
      else resolve();
    });
  });
}

/** Tags the image for every catalogue name and the pods' pause containers, so `docker ps` shows what a pod runs. */
async function tagPodImages(docker: Dockerode, ref: string, have: string[]): Promise<void> {
  const image = docker.getImage(ref);
  for (const name of [...catalogueNames(), 'pause']) {
    const podRef = podImageRef(name);
    if (have.includes(podRef)) continue;
    const [repo, tag] = splitRef(podRef);
    await image.tag({ repo, tag });
  }
}

/** Removes older node images no container uses (their pod tags moved to the new one). */
async function pruneOld(docker: Dockerode, keep: string, log: (line: string) => void): Promise<void> {
  const images = await docker.listImages({ filters: JSON.stringify({ label: [`${IMAGE_LABEL}=node`] }) });
  for (const img of images) {
    if ((img.RepoTags ?? []).includes(keep)) continue;
    await docker.getImage(img.Id).remove({ noprune: false }).then(
      () => log(`removed the old node image ${img.Id.replace(/^sha256:/, '').slice(0, 12)} ${(img.RepoTags ?? []).filter((t) => t !== '<none>:<none>').join(', ')}`.trimEnd()),
      () => undefined, // a container still uses it
    );
  }
}

const building = new Map<string, Promise<string>>();
const lockFile = '/run/svclab-image-build.lock';

/** One build at a time across processes (test files run side by side); a dead holder's lock is taken over. */
async function withBuildLock<T>(fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(fs.readFileSync(lockFile, { encoding: 'utf8', flag: 'r' }).trim() || 0);
      let alive = true; // an empty file: its holder is still writing its pid
      try {
        if (holder > 0) process.kill(holder, 0);
      } catch {
        alive = false;
      }
      if (!alive) fs.rmSync(lockFile, { force: true });
      else await new Promise((res) => setTimeout(res, 200));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockFile, { force: true });
  }
}

/** Returns the node image's reference, building it first when this content has no image yet. */
export async function ensureImage(docker: Dockerode, log: (line: string) => void = () => undefined, opts: { force?: boolean } = {}): Promise<string> {
  const r = recipe();
  let pending = building.get(r.ref);
  if (!pending) {
    pending = withBuildLock(() => build(docker, r, log, opts.force ?? false)).finally(() => building.delete(r.ref));
    building.set(r.ref, pending);
  }
  return pending;
}

async function build(docker: Dockerode, r: Recipe, log: (line: string) => void, force: boolean): Promise<string> {
  const existing = await docker.getImage(r.ref).inspect().catch((e: { statusCode?: number }) => {
    if (e.statusCode === 404) return undefined;
    throw e;
  });
  if (existing && !force) {
    await tagPodImages(docker, r.ref, existing.RepoTags ?? []);
    return r.ref;
  }
  const started = Date.now();
  log(`building ${r.ref} from ${r.packages.length} Debian packages, ${path.basename(process.execPath)} ${process.version} and ${home}`);
  await importTar(docker, r);
  await tagPodImages(docker, r.ref, []);
  const size = (await docker.getImage(r.ref).inspect()).Size;
  log(`built ${r.ref} (${(size / 1e6).toFixed(0)} MB) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await pruneOld(docker, r.ref, log);
  return r.ref;
}

/** Removes every image the lab built (node image and pod tags); returns their references. For `lab clean`. */
export async function removeImages(docker: Dockerode): Promise<string[]> {
  const images = await docker.listImages({ filters: JSON.stringify({ label: [`${IMAGE_LABEL}=node`] }) });
  const removed: string[] = [];
  for (const img of images) {
    await docker.getImage(img.Id).remove({ force: true });
    removed.push(...(img.RepoTags ?? []).filter((t) => t.startsWith(IMAGE_REPO)));
  }
  return removed;
}
