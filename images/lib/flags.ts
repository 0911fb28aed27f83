// Go-style command-line flags (-name=value, --name=value, -name value, bare booleans),
// as the Go images the tutorials run parse them.
export function goFlags(argv: string[], booleans: string[] = []): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const m = /^--?([^=]+)(?:=(.*))?$/s.exec(argv[i]!);
    if (!m) continue;
    if (m[2] !== undefined) out.set(m[1]!, m[2]);
    else if (booleans.includes(m[1]!) || i + 1 >= argv.length || argv[i + 1]!.startsWith('-')) out.set(m[1]!, 'true');
    else out.set(m[1]!, argv[++i]!);
  }
  return out;
}
