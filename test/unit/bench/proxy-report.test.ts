import test from 'ava';
import { chartsOf } from '../../../src/bench/proxy-report.js';
import { emptyPoint, hostLabel, type ProxyPoint } from '../../../src/bench/proxy-point.js';

const samples = (p99: number) => ({ p50: p99 / 2, p99, max: p99, samples: 20 });

function point(mode: 'iptables' | 'nftables', services: number, hosts: number, latency: number, host1?: number): ProxyPoint {
  return {
    ...emptyPoint(mode, services, hosts),
    converged: true,
    programmingLatencyMs: samples(latency),
    ...(host1 === undefined ? {} : { programmingLatencyByHostMs: { host1: samples(host1), [`host${hosts}`]: samples(latency) } }),
  };
}

test('the measured host is the last one, labelled "hostH of H"', (t) => {
  t.is(hostLabel(emptyPoint('iptables', 10, 1)), 'host1 of 1');
  t.is(hostLabel(emptyPoint('nftables', 10, 2)), 'host2 of 2');
});

test('programming latency: a line per mode and hosts, the overlay dotted, host 1 of the same lab beside it', (t) => {
  const points = [point('iptables', 1000, 1, 80), point('iptables', 1000, 2, 95, 85), point('nftables', 1000, 1, 40), point('iptables', 100, 2, 30, 20)];
  const latency = chartsOf(points).find((c) => c.title.startsWith('Network programming latency'))!;
  t.deepEqual(
    latency.series.map((s) => [s.label, s.dash, s.marker, s.points]),
    [
      ['iptables', [], 'circle', [{ x: 1000, y: 80 }]],
      ['iptables, host2 of 2 hosts', [2, 3], 'triangle', [{ x: 100, y: 30 }, { x: 1000, y: 95 }]],
      ['iptables, host1 of 2 hosts (same writes)', [], 'rectRot', [{ x: 100, y: 20 }, { x: 1000, y: 85 }]],
      ['nftables', [], 'circle', [{ x: 1000, y: 40 }]],
    ],
  );
});

test('the floor is drawn once per mode, from the point that carries it', (t) => {
  const floor = { mode: 'iptables' as const, services: 1000, rules: 5000, fullSyncMs: 300, partialSyncMs: { ...samples(70), raw: [70] } };
  const points = [{ ...point('iptables', 1000, 1, 80), partialSyncMs: samples(75), floor }, { ...point('iptables', 1000, 2, 95, 85), partialSyncMs: samples(78) }];
  const partial = chartsOf(points).find((c) => c.title.startsWith('One-endpoint partial sync'))!;
  t.deepEqual(
    partial.series.map((s) => [s.label, s.points[0]!.y]),
    [
      ['iptables', 75],
      ['iptables floor', 70],
      ['iptables, host2 of 2 hosts', 78],
    ],
  );
});
