// Debian's package database read as data (pure): the status file, Depends fields and their
// closure, the alternatives groups. The node image (node-image.ts) is built from what this finds.

export interface Package {
  name: string;
  version: string;
  arch: string;
  multiArch: string;
  /** Depends + Pre-Depends: each entry lists alternatives. */
  depends: string[][];
  provides: string[];
}

/** A Depends-style field -> alternatives per entry, names only (versions and arch qualifiers dropped). */
export function parseDependsField(field: string): string[][] {
  return field.split(',').map((entry) => entry.split('|').map((alt) => alt.trim().replace(/\s*\(.*?\)/g, '').replace(/\s*\[.*?\]/g, '').replace(/:\w+$/, '').trim()).filter(Boolean)).filter((alts) => alts.length > 0);
}

/** /var/lib/dpkg/status -> the installed packages by name. */
export function parseDpkgStatus(text: string): Map<string, Package> {
  const installed = new Map<string, Package>();
  for (const paragraph of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    let last = '';
    for (const line of paragraph.split('\n')) {
      if (/^\s/.test(line) && last) fields.set(last, `${fields.get(last)}\n${line}`);
      else {
        const colon = line.indexOf(':');
        if (colon <= 0) continue;
        last = line.slice(0, colon);
        fields.set(last, line.slice(colon + 1).trim());
      }
    }
    const name = fields.get('Package');
    if (!name || !/\binstalled$/.test(fields.get('Status') ?? '') || / not-installed$| config-files$/.test(fields.get('Status') ?? '')) continue;
    installed.set(name, {
      name,
      version: fields.get('Version') ?? '',
      arch: fields.get('Architecture') ?? '',
      multiArch: fields.get('Multi-Arch') ?? '',
      depends: [...parseDependsField(fields.get('Pre-Depends') ?? ''), ...parseDependsField(fields.get('Depends') ?? '')],
      provides: parseDependsField(fields.get('Provides') ?? '').map((alts) => alts[0]!),
    });
  }
  return installed;
}

/** The installed packages that the roots need, sorted by name; `missing` = roots nothing installed satisfies. */
export function dependencyClosure(installed: Map<string, Package>, roots: string[]): { packages: Package[]; missing: string[] } {
  const providers = new Map<string, string>();
  for (const p of installed.values()) for (const v of p.provides) if (!providers.has(v)) providers.set(v, p.name);
  const resolve = (alts: string[]): Package | undefined => {
    for (const alt of alts) {
      const p = installed.get(alt) ?? installed.get(providers.get(alt) ?? '');
      if (p) return p;
    }
    return undefined;
  };
  const seen = new Map<string, Package>();
  const missing: string[] = [];
  const visit = (p: Package): void => {
    if (seen.has(p.name)) return;
    seen.set(p.name, p);
    for (const alts of p.depends) {
      const dep = resolve(alts);
      if (dep) visit(dep);
    }
  };
  for (const root of roots) {
    const alts = parseDependsField(root)[0] ?? [];
    const p = resolve(alts);
    if (p) visit(p);
    else missing.push(root);
  }
  return { packages: [...seen.values()].sort((a, b) => a.name.localeCompare(b.name)), missing };
}

export interface Alternative {
  name: string;
  link: string;
  target: string;
}

/**
 * /var/lib/dpkg/alternatives/<name> -> the links of the group (master and slaves) pointing to the
 * choice `current` (the master target), or to `preferred` when it is one of the group's choices.
 */
export function parseAlternatives(name: string, text: string, current: string, preferred?: string): Alternative[] {
  const lines = text.split('\n');
  const links: { name: string; link: string }[] = [{ name, link: lines[1]! }];
  let i = 2;
  for (; i < lines.length && lines[i] !== ''; i += 2) links.push({ name: lines[i]!, link: lines[i + 1]! });
  i++;
  const choices = new Map<string, string[]>();
  while (i < lines.length && lines[i] !== '') {
    const choice = lines[i]!;
    choices.set(choice, lines.slice(i + 2, i + 2 + links.length - 1));
    i += 2 + links.length - 1;
  }
  const chosen = preferred && choices.has(preferred) ? preferred : current;
  const slaves = choices.get(chosen);
  if (!slaves) return [];
  return links.map((l, k) => ({ name: l.name, link: l.link, target: k === 0 ? chosen : slaves[k - 1]! })).filter((a) => a.target !== '');
}
