// The HTML report of `lab bench proxy`, written beside its JSON: Chart.js
// (from node_modules, inlined, so the page works offline in a classroom VM)
// draws sync times, programming latency and first-packet latency against the
// number of services, per mode and measured host (lab bench proxy --hosts), with
// the tools' floor of the same run.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { hostLabel, type ProxyPoint } from './proxy-point.js';

const colors: Record<string, string> = { iptables: '#d62728', nftables: '#1f77b4', 'nftables-maps': '#2ca02c', userspace: '#9467bd', ipvs: '#ff7f0e' };

interface Series {
  label: string;
  color: string;
  /** Chart.js borderDash and pointStyle (so one size's points stay apart too). */
  dash: number[];
  marker: string;
  points: { x: number; y: number | null }[];
}

interface Chart {
  title: string;
  yTitle: string;
  log: boolean;
  series: Series[];
}

type Look = Pick<Series, 'dash' | 'marker'>;
const looks = {
  host1: { dash: [], marker: 'circle' },
  overlay: { dash: [2, 3], marker: 'triangle' },
  /** Host 1's node of a multi-host lab, for the same writes as the measured one. */
  sameLab: { dash: [], marker: 'rectRot' },
  floor: { dash: [6, 4], marker: 'rect' },
} satisfies Record<string, Look>;

/** The charts' lines: one per mode and measured host (hosts > 1 labelled "host2 of 2"), with the floor per mode. */
export function chartsOf(points: ProxyPoint[]): Chart[] {
  const groups = [...new Map(points.map((p) => [`${p.mode}/${p.hosts}`, { mode: p.mode, hosts: p.hosts, host: p.host }])).values()];
  const pointsOf = (g: (typeof groups)[number]): ProxyPoint[] => points.filter((p) => p.mode === g.mode && p.hosts === g.hosts).sort((a, b) => a.services - b.services);
  const nameOf = (g: (typeof groups)[number], what = ''): string => `${g.mode}${what}${g.hosts > 1 ? `, ${hostLabel(g)} hosts` : ''}`;
  const line = (g: (typeof groups)[number], label: string, y: (p: ProxyPoint) => number | null | undefined, look: Look = g.hosts > 1 ? looks.overlay : looks.host1): Series => ({
    label,
    color: colors[g.mode] ?? '#555',
    ...look,
    points: pointsOf(g).map((p) => ({ x: p.services, y: y(p) ?? null })),
  });
  const withFloor = (y: (p: ProxyPoint) => number | null | undefined, floor: (p: ProxyPoint) => number | null | undefined): Series[] =>
    groups.flatMap((g) => [line(g, nameOf(g), y), ...(pointsOf(g).some((p) => p.floor) ? [line(g, `${g.mode} floor`, floor, looks.floor)] : [])]);
  // In a multi-host lab host 1's node took the same writes: its line shows what the overlay adds.
  const latency = groups.flatMap((g) => [
    line(g, nameOf(g), (p) => p.programmingLatencyMs?.p99),
    ...(g.hosts > 1 ? [line(g, `${g.mode}, host1 of ${g.hosts} hosts (same writes)`, (p) => p.programmingLatencyByHostMs?.host1?.p99, looks.sameLab)] : []),
  ]);
  return [
    { title: 'One-endpoint partial sync, p99', yTitle: 'ms', log: true, series: withFloor((p) => p.partialSyncMs?.p99, (p) => p.floor?.partialSyncMs.p99) },
    { title: 'Network programming latency (Endpoints write -> rules applied on the measured node), p99', yTitle: 'ms', log: true, series: latency },
    { title: 'Full sync (a restarted agent)', yTitle: 'ms', log: true, series: withFloor((p) => p.fullSyncMs?.p50, (p) => p.floor?.fullSyncMs) },
    {
      title: 'First-packet latency: TCP connect p50 through the first, middle and last service',
      yTitle: 'µs',
      log: false,
      series: groups.flatMap((g) => [
        line(g, nameOf(g, ' first'), (p) => p.connectUs?.first.p50, { ...looks.floor, marker: 'circle' }),
        line(g, nameOf(g, ' middle'), (p) => p.connectUs?.middle.p50, { ...looks.floor, marker: 'triangle' }),
        line(g, nameOf(g, ' last'), (p) => p.connectUs?.last.p50),
      ]),
    },
    { title: 'Agent CPU while loading the services', yTitle: 'CPU seconds', log: true, series: groups.map((g) => line(g, nameOf(g), (p) => p.agentCpuSeconds)) },
  ];
}

const escape = (s: string): string => s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);

const p50p99 = (x: { p50: number; p99: number } | null | undefined): string => (x ? `${x.p50} / ${x.p99}` : '-');

/** The measured node's programming latency; in a multi-host lab, each host's for the same writes. */
function latencyCell(p: ProxyPoint): string {
  if (!p.programmingLatencyByHostMs) return p50p99(p.programmingLatencyMs);
  const byHost = Object.entries(p.programmingLatencyByHostMs).map(([h, x]) => `${escape(h)}: ${p50p99(x)}`);
  return [...byHost, `${escape(p.host)} - host1, per write: ${p50p99(p.overlayExtraMs)}`].join('<br>');
}

/** Writes the report next to the JSON (same name, .html) and returns its path. */
export function writeProxyReport(jsonPath: string, points: ProxyPoint[]): string {
  // chart.js exports no subpath for its UMD build: find it beside the CommonJS entry.
  const chartJs = fs.readFileSync(path.join(path.dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.js'), 'utf8');
  const charts = chartsOf(points);
  const rows = points
    .map(
      (p) =>
        `<tr><td>${escape(p.mode)}</td><td>${p.services}</td><td>${escape(hostLabel(p))}</td><td>${p.converged ? 'yes' : '<b>no</b>'}</td><td>${p.partialSyncMs ? `${p.partialSyncMs.p50} / ${p.partialSyncMs.p99}` : '-'}</td><td>${p.floor ? `${p.floor.partialSyncMs.p50} / ${p.floor.partialSyncMs.p99}` : '-'}</td><td>${latencyCell(p)}</td><td>${p.fullSyncMs?.p50 ?? '-'}</td><td>${p.floor?.fullSyncMs ?? '-'}</td><td>${p.fullSyncsDuringChanges}</td><td>${escape(p.notes.join('; '))}</td></tr>`,
    )
    .join('\n');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>svclab: proxy modes at scale</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px}canvas{margin-bottom:2em}table{border-collapse:collapse;font-size:90%}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}td:first-child,td:last-child{text-align:left}</style>
<script>${chartJs}</script></head><body>
<h1>Proxy modes at scale</h1>
<p>${escape(new Date().toISOString())}, one node per simulated host (the measured one on the last host: in a multi-host lab its agent reaches the API across the VXLAN overlay: triangles, dotted lines; host 1 of the same lab: diamonds), 2 endpoints per service, ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')} at the end. The floor is the kernel tools alone (nft, iptables-restore) given what the same backend code gives them for the same rule set, in an empty namespace, measured in the same run; the agent's partial syncs add svclab's own work on top (in nftables-maps mode they go to a long-lived nft -i, the floor starts nft each time). Generated by <code>lab bench proxy</code>; the JSON beside this page has every sample.</p>
<table><tr><th>mode</th><th>services</th><th>measured host</th><th>converged</th><th>partial p50/p99 ms</th><th>floor partial</th><th>programming latency p50/p99 ms</th><th>full ms</th><th>floor full</th><th>full syncs during changes</th><th>notes</th></tr>
${rows}</table>
${charts.map((_, i) => `<canvas id="c${i}" height="120"></canvas>`).join('\n')}
<script>
const charts = ${JSON.stringify(charts)};
charts.forEach((c, i) => new Chart(document.getElementById('c' + i), {
  type: 'line',
  data: { datasets: c.series.map((s) => ({ label: s.label, data: s.points, borderColor: s.color, backgroundColor: s.color, borderDash: s.dash, pointStyle: s.marker, pointRadius: 5, spanGaps: true })) },
  options: { animation: false, plugins: { title: { display: true, text: c.title }, legend: { labels: { usePointStyle: true } } }, scales: { x: { type: 'logarithmic', title: { display: true, text: 'services' } }, y: { type: c.log ? 'logarithmic' : 'linear', title: { display: true, text: c.yTitle } } } },
}));
</script></body></html>
`;
  const out = jsonPath.replace(/\.json$/, '') + '.html';
  fs.writeFileSync(out, html);
  return out;
}
