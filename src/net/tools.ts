// System tools by absolute path. A node_modules/.bin on PATH (npx, ava) must
// not shadow them: npm's "nft" is Vercel's file tracer, not nftables.
import fs from 'node:fs';

const systemDirs = ['/usr/sbin', '/sbin', '/usr/local/sbin', '/usr/bin', '/bin'];
const resolved = new Map<string, string>();

export function systemTool(name: string): string {
  let path = resolved.get(name);
  if (!path) {
    path = systemDirs.map((d) => `${d}/${name}`).find((p) => fs.existsSync(p)) ?? name;
    resolved.set(name, path);
  }
  return path;
}

/** PATH without node_modules/.bin entries, for every process the lab starts. */
export function withoutNodeModulesBin(path: string | undefined): string {
  return (path ?? '').split(':').filter((d) => d && !/node_modules\/\.bin\/?$/.test(d)).join(':');
}
