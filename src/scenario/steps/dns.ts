// dns: one query from a place, through its resolv.conf (search list, ndots) or
// to a given server, over UDP or TCP; expectations on rcode and answers.
import { check, type Ctx, type Outcome } from '../context.js';
import { describe, matches } from '../match.js';
import type { Check, DnsStep, Matcher } from '../model.js';
import { resolvePlace, runAt } from '../places.js';
import { probeArgv, type DnsResult } from '../probe-spec.js';
import { expand } from '../templates.js';

/** Every expected matcher pairs with a different answer (a small bipartite matching). */
function pairUp(expected: Matcher[], seen: string[]): boolean {
  const owner = new Array<number>(seen.length).fill(-1);
  const tryAssign = (i: number, visited: boolean[]): boolean => {
    for (let j = 0; j < seen.length; j++) {
      if (visited[j] || !matches(expected[i]!, seen[j], 'value')) continue;
      visited[j] = true;
      if (owner[j] === -1 || tryAssign(owner[j]!, visited)) {
        owner[j] = i;
        return true;
      }
    }
    return false;
  };
  return expected.every((_, i) => tryAssign(i, new Array<boolean>(seen.length).fill(false)));
}

export function dnsChecks(r: DnsResult, type: string, e: NonNullable<DnsStep['expect']>): Check[] {
  const checks: Check[] = [];
  const data = r.answers.filter((a) => type === 'ANY' || a.type === type).map((a) => a.data);
  const all = r.answers.map((a) => `${a.type} ${a.data}`).join(', ') || 'no answers';
  const rcode = r.error ? `no reply (${r.error})` : r.rcode;
  checks.push(check('rcode', e.rcode ?? 'NOERROR', rcode, rcode === (e.rcode ?? 'NOERROR')));
  if (e.answers) {
    const ok = data.length === e.answers.length && pairUp(e.answers, data);
    checks.push(check(`${type} answers`, e.answers.length ? e.answers.map((m) => describe(m, 'value')).join(', ') : 'none', all, ok));
  }
  if (e.contains) checks.push(check(`${type} answers`, `include ${e.contains.map((m) => describe(m, 'value')).join(', ')}`, all, pairUp(e.contains, data)));
  if (e.count !== undefined) checks.push(check(`${type} answers`, `${e.count}`, `${data.length}: ${all}`, data.length === e.count));
  if (e.cname !== undefined) {
    const cnames = r.answers.filter((a) => a.type === 'CNAME').map((a) => a.data);
    checks.push(check('CNAME', describe(e.cname, 'value'), cnames.join(', ') || 'none', cnames.some((c) => matches(e.cname!, c, 'value'))));
  }
  return checks;
}

export async function dnsStep(ctx: Ctx, raw: DnsStep): Promise<Outcome> {
  const s = await expand(ctx, raw);
  const where = await resolvePlace(ctx, s.from);
  const type = s.type ?? 'A';
  const timeoutMs = 2000;
  const spec = { kind: 'dns' as const, name: s.name, type, server: s.server, tcp: s.tcp, search: s.search ?? !s.name.endsWith('.'), timeoutMs };
  const r = await runAt(ctx, where, probeArgv(spec), 20_000);
  if (r.exitCode !== 0) throw new Error(`the DNS probe failed in ${where.label}: ${(r.stderr || r.stdout).trim().slice(0, 300)}`);
  const result = JSON.parse(r.stdout) as DnsResult;
  const answers = result.answers.map((a) => `${a.name} ${a.type} ${a.data}`).join('; ') || 'no answers';
  return {
    checks: dnsChecks(result, type, s.expect ?? {}),
    details: [`${type} ${result.name} @${result.server}${s.tcp ? ' (tcp)' : ''} from ${where.label}: ${result.error ?? result.rcode}, ${answers}`],
  };
}
