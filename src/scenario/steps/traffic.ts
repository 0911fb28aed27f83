// http / tcp / udp: requests from a place, each on a new connection, then the
// expectations over all of them: status and body, which backends answered and
// how evenly, the client address the backend saw, how long each one took.
import type { Pod } from '../../api/types.js';
import { check, durationMs, type Ctx, type Outcome } from '../context.js';
import { diagnose } from '../diagnostics.js';
import { describe, matches } from '../match.js';
import type { Check, HttpStep, SocketStep, TrafficExpect } from '../model.js';
import { runAt, resolvePlace } from '../places.js';
import { probeArgv, type Attempt, type ProbeSpec } from '../probe-spec.js';
import { expand, selectObjects } from '../templates.js';

export type Protocol = 'http' | 'tcp' | 'udp';

interface Identity {
  backend?: string;
  source?: string;
}

const hostOf = (ipPort: string): string => ipPort.replace(/:\d+$/, '');

/** Who answered and whom it saw, from what the lab's servers put in their replies. */
export function identify(text: string | undefined): Identity {
  if (!text) return {};
  const hello = /Hello from (\S+) at /.exec(text);
  if (hello) return { backend: hello[1] };
  const echo = /pod=(\S+) ip=\S+ client=([\d.]+):\d+/.exec(text);
  if (echo) return { backend: echo[1], source: echo[2] };
  const external = /Hello from the external server .* you are ([\d.]+)/.exec(text);
  if (external) return { backend: 'external', source: external[1] };
  try {
    const j = JSON.parse(text) as { pod?: string; client?: string; HOSTNAME?: string };
    return { backend: j.pod ?? j.HOSTNAME, source: j.client && hostOf(j.client) };
  } catch {
    return {};
  }
}

/** Access-log lines: one per request, each starting with the client's address (kubelet probes left out). */
function requestLines(log: string): string[] {
  return log.split('\n').filter((l) => /^\d+\.\d+\.\d+\.\d+[: ]/.test(l) && !/kube-probe|GET \/healthz /.test(l));
}

/** Request lines of each container's log, keyed by pod name and container. */
async function podLogs(ctx: Ctx, selector: string): Promise<Map<string, { pod: string; lines: string[] }>> {
  const pods = (await selectObjects(ctx, 'pods', selector)) as Pod[];
  const out = new Map<string, { pod: string; lines: string[] }>();
  for (const p of pods) {
    for (const c of p.spec.containers) {
      const path = `/api/v1/namespaces/${encodeURIComponent(ctx.namespace)}/pods/${encodeURIComponent(p.metadata.name!)}/log?container=${encodeURIComponent(c.name)}`;
      out.set(`${p.metadata.name}/${c.name}`, { pod: p.metadata.name!, lines: requestLines(String(await ctx.client.request('GET', path).catch(() => ''))) });
    }
  }
  return out;
}

function count<T>(items: T[]): Map<T, number> {
  const m = new Map<T, number>();
  for (const i of items) m.set(i, (m.get(i) ?? 0) + 1);
  return m;
}

const histogram = (m: Map<string, number>): string =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => `${k} ×${n}`)
    .join(', ');

function attemptLabel(a: Attempt, proto: Protocol): string {
  if (a.error) return a.error;
  if (proto === 'http') return String(a.status);
  return a.body ? 'answered' : 'connected';
}

function asExpected(a: Attempt, e: TrafficExpect, proto: Protocol): boolean {
  if (e.error !== undefined) return matches(e.error, a.error ?? 'none', 'value');
  if (!a.ok) return false;
  if (proto === 'http') {
    const statuses = e.status === undefined ? [200] : Array.isArray(e.status) ? e.status : [e.status];
    if (!statuses.includes(a.status ?? 0)) return false;
    if (e.body !== undefined && !matches(e.body, a.body, 'text')) return false;
  }
  if (e.reply !== undefined && !matches(e.reply, a.body, 'text')) return false;
  if (proto === 'udp' && a.body === undefined) return false;
  return true;
}

function describeOutcome(e: TrafficExpect, proto: Protocol): string {
  if (e.error !== undefined) return `fail with ${describe(e.error, 'value')}`;
  const parts = [proto === 'http' ? `answer ${e.status === undefined ? 200 : Array.isArray(e.status) ? e.status.join(' or ') : e.status}` : proto === 'udp' ? 'get a reply' : 'connect'];
  if (e.body !== undefined) parts.push(`body ${describe(e.body, 'text')}`);
  if (e.reply !== undefined) parts.push(`reply ${describe(e.reply, 'text')}`);
  return parts.join(', ');
}

export function evaluate(attempts: Attempt[], e: TrafficExpect, proto: Protocol, logs?: { backends: Map<string, number>; sources: string[] }): { checks: Check[]; summary: string } {
  const checks: Check[] = [];
  const n = attempts.length;
  const good = attempts.filter((a) => asExpected(a, e, proto));
  const rate = e.successRate ?? 1;
  const outcomes = histogram(count(attempts.map((a) => attemptLabel(a, proto))));
  const firstBad = attempts.find((a) => !asExpected(a, e, proto) && a.body);
  const badBody = firstBad?.body && e.error === undefined ? `; e.g. ${JSON.stringify(firstBad.body.trim().slice(0, 160))}` : '';
  checks.push(check(`${n} request${n === 1 ? '' : 's'}`, `${rate === 1 ? 'all' : `at least ${Math.round(rate * 100)}%`} ${describeOutcome(e, proto)}`, `${good.length}/${n} did (${outcomes})${good.length < n ? badBody : ''}`, good.length >= Math.ceil(rate * n - 1e-9)));

  const ids = attempts.filter((a) => a.ok).map((a) => identify(a.body));
  const backends = logs?.backends ?? count(ids.map((i) => i.backend).filter((b): b is string => !!b));
  const total = [...backends.values()].reduce((a, b) => a + b, 0);
  const wantsBackends = e.backends !== undefined || e.backend !== undefined || e.maxShare !== undefined;
  if (wantsBackends && total === 0) {
    checks.push(check('backends', 'replies (or backendLogs) that name the backend', e.error === undefined ? 'no reply named its backend; give backendLogs: <selector of the backend pods>' : 'no reply', false));
  } else if (wantsBackends) {
    const distinct = backends.size;
    const seen = histogram(backends);
    if (e.backends !== undefined) {
      const [min, max] = typeof e.backends === 'number' ? [e.backends, e.backends] : [e.backends.min ?? 0, e.backends.max ?? Infinity];
      const expected = min === max ? `${min} distinct` : `${min}${max === Infinity ? ' or more' : `-${max}`} distinct`;
      checks.push(check('backends', expected, `${distinct}: ${seen}`, distinct >= min && distinct <= max));
    }
    if (e.backend !== undefined) {
      const off = [...backends.keys()].filter((b) => !matches(e.backend!, b, 'value'));
      checks.push(check('backend', `every one ${describe(e.backend, 'value')}`, off.length ? `also ${off.join(', ')} (${seen})` : seen, off.length === 0));
    }
    if (e.maxShare !== undefined) {
      const top = Math.max(...backends.values()) / total;
      checks.push(check('spread', `no backend above ${Math.round(e.maxShare * 100)}%`, `busiest ${Math.round(top * 100)}% (${seen})`, top <= e.maxShare + 1e-9));
    }
  }
  if (e.sourceIP !== undefined) {
    const sources = logs?.sources ?? ids.map((i) => i.source).filter((s): s is string => !!s);
    const seen = histogram(count(sources));
    const ok = sources.length > 0 && sources.every((s) => matches(e.sourceIP!, s, 'value'));
    checks.push(check('source IP seen by the backend', describe(e.sourceIP, 'value'), sources.length ? seen : 'no reply told the client address', ok));
  }
  if (e.latency !== undefined) {
    const bound = durationMs(e.latency, 0);
    const slow = attempts.filter((a) => a.ms > bound);
    const worst = Math.max(...attempts.map((a) => a.ms));
    checks.push(check('latency', `each within ${bound} ms`, `slowest ${worst} ms${slow.length ? `, ${slow.length} over` : ''}`, slow.length === 0));
  }
  const spread = backends.size ? ` · backends ${histogram(backends)}` : '';
  return { checks, summary: `${outcomes}${spread}` };
}

function splitHostPort(to: string): { host: string; port: number } {
  const i = to.lastIndexOf(':');
  const port = Number(to.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port)) throw new Error(`"${to}" is not host:port`);
  return { host: to.slice(0, i), port };
}

export async function trafficStep(ctx: Ctx, proto: Protocol, raw: HttpStep | SocketStep): Promise<Outcome> {
  const s = await expand(ctx, raw);
  const where = await resolvePlace(ctx, s.from);
  const count = s.requests ?? 1;
  const timeoutMs = durationMs(s.timeout, 3000);
  const intervalMs = durationMs(s.interval, 0);
  let spec: ProbeSpec;
  let target: string;
  if (proto === 'http') {
    const h = s as HttpStep;
    spec = { kind: 'http', url: h.url, method: h.method, headers: h.headers, body: h.body, count, intervalMs, timeoutMs };
    target = h.url;
  } else {
    const t = s as SocketStep;
    spec = { kind: proto, ...splitHostPort(t.to), send: t.send, count, intervalMs, timeoutMs };
    target = t.to;
  }
  const before = s.backendLogs ? await podLogs(ctx, s.backendLogs) : undefined;
  const r = await runAt(ctx, where, probeArgv(spec), count * (timeoutMs + intervalMs + 1000) + 10_000);
  if (r.exitCode !== 0) throw new Error(`the probe failed in ${where.label}: ${(r.stderr || r.stdout).trim().slice(0, 300)}`);
  const attempts = (JSON.parse(r.stdout) as { attempts: Attempt[] }).attempts;
  let logs: { backends: Map<string, number>; sources: string[] } | undefined;
  if (before) {
    const after = await podLogs(ctx, s.backendLogs!);
    const backends = new Map<string, number>();
    const sources: string[] = [];
    for (const [key, { pod, lines }] of after) {
      const fresh = lines.slice(before.get(key)?.lines.length ?? 0);
      if (fresh.length) backends.set(pod, (backends.get(pod) ?? 0) + fresh.length);
      sources.push(...fresh.map((l) => /^(\d+\.\d+\.\d+\.\d+)/.exec(l)![1]!));
    }
    logs = { backends, sources };
  }
  const { checks, summary } = evaluate(attempts, s.expect ?? {}, proto, logs);
  const title = `${proto} ${target} from ${where.label}`;
  return { checks, details: [`${title}: ${summary}`], diagnose: () => diagnose(ctx, target) };
}
