// `lab images`: builds and lists the Docker runtime's node image (src/runtime/docker/images.ts).
import type Dockerode from 'dockerode';
import { connect, requireEngine } from '../runtime/docker/engine.js';
import { ensureImage, IMAGE_LABEL, IMAGE_REPO, recipe } from '../runtime/docker/node-image.js';
import { type Command, parse, UsageError } from './args.js';

async function engine(): Promise<Dockerode> {
  const docker = await connect();
  await requireEngine(docker);
  return docker;
}

async function build(argv: string[]): Promise<number> {
  const { values } = parse('images build', argv, { force: { type: 'boolean', default: false } });
  const docker = await engine();
  let built = false;
  const ref = await ensureImage(docker, (line) => {
    built = true;
    console.log(line);
  }, { force: values.force });
  if (!built) console.log(`${ref} is up to date (lab images build --force rebuilds it)`);
  return 0;
}

/** One row per tag, like `docker images`, the node tag first. */
export function imageRows(images: Pick<Dockerode.ImageInfo, 'Id' | 'RepoTags' | 'Size' | 'Created'>[]): string[][] {
  const rows: string[][] = [];
  for (const img of [...images].sort((a, b) => b.Created - a.Created)) {
    const tags = (img.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
    const ordered = [...tags.filter((t) => t.startsWith(`${IMAGE_REPO}:`)), ...tags.filter((t) => !t.startsWith(`${IMAGE_REPO}:`)).sort()];
    const created = new Date(img.Created * 1000).toISOString().replace('T', ' ').slice(0, 19);
    for (const tag of ordered.length > 0 ? ordered : ['<none>']) rows.push([tag, img.Id.replace(/^sha256:/, '').slice(0, 12), `${(img.Size / 1e6).toFixed(0)} MB`, created]);
  }
  return rows;
}

async function list(argv: string[]): Promise<number> {
  parse('images ls', argv, {});
  const docker = await engine();
  const images = await docker.listImages({ filters: JSON.stringify({ label: [IMAGE_LABEL] }) });
  if (images.length === 0) {
    console.log('no svclab images (lab images build makes one)');
    return 0;
  }
  const rows = [['TAG', 'IMAGE ID', 'SIZE', 'CREATED'], ...imageRows(images)];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
  const { ref } = recipe();
  const current = images.some((img) => img.RepoTags?.includes(ref));
  console.log(current ? `\n${ref} matches this checkout` : `\nthis checkout's image ${ref} is not built yet: lab images build`);
  return 0;
}

export const imagesCommand: Command = {
  summary: "the Docker runtime's node image: `images build [--force]`, `images ls`",
  usage: 'build [--force] | ls',
  async run(argv) {
    const [what, ...rest] = argv;
    if (what === 'build') return build(rest);
    if (what === 'ls') return list(rest);
    throw new UsageError(`lab images: unknown subcommand "${what ?? ''}" (available: build, ls)`);
  },
};
