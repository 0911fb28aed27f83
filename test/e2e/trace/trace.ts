// lab trace against a real lab, shared by the per-proxy-mode files: one lab
// each, the probe's real path checked in the kernel's own words.
import type { TestFn } from 'ava';
import { execa, type ResultPromise } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { labProcesses } from '../../../src/lab/processes.js';
import { hostArgv } from '../../../src/lab/hosts.js';
import type { ProxyMode } from '../../../src/agent/proxy/modes.js';
import { systemTool } from '../../../src/net/tools.js';
import type { TraceResult } from '../../../src/trace/model.js';
import { hostSnapshot } from '../../helpers/host.js';
import { lab, labName, repo, waitFor } from '../../helpers/lab.js';
import { upWebLab } from '../../helpers/web-lab.js';
import { e2e } from '../../helpers/root.js';

// A service without endpoints, besides the web lab's.
const nobody = `apiVersion: v1
kind: Service
metadata: {name: nobody}
spec:
  selector: {app: nobody}
  ports: [{name: tcp, port: 80, targetPort: 8080}]`;

/** The lab's nft monitor processes (they carry the lab's marker). */
function monitors(name: string): number[] {
  return (labProcesses().get(name) ?? []).filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('monitor');
    } catch {
      return false;
    }
  });
}

async function traceTables(name: string, host: string): Promise<string[]> {
  const [cmd, ...args] = hostArgv(name, host, [systemTool('nft'), 'list', 'tables']);
  const r = await execa(cmd!, args);
  return r.stdout.split('\n').filter((l) => l.includes('svclab_trace_'));
}

/** Each mode's own words for the service chain and the nodePort dispatch (lines "host chain comment"). */
const expected: Partial<Record<ProxyMode, { clusterIP: RegExp; nodePort: RegExp }>> = {
  iptables: { clusterIP: /node1 KUBE-SVC-\S+ default\/web:http -> 10\.244\.\d+\.\d+:8080/, nodePort: /node1 KUBE-NODEPORTS default\/web:http/ },
  nftables: { clusterIP: /node1 service-\S+-default\/web\/tcp\/http/, nodePort: /node1 external-\S+-default\/web\/tcp\/http/ },
  'nftables-maps': { clusterIP: /node1 endpoints-\d+ /, nodePort: /node1 nodeport-endpoints-\d+ / },
};

export function traceTests(test: TestFn, mode: keyof typeof expected & ProxyMode, prefix: string): void {
  const it = e2e(test);
  const name = labName(prefix);
  let before: string[] = [];

  const trace = async (...args: string[]): Promise<TraceResult> => {
    const r = await lab(['trace', '--name', name, ...args, '-o', 'json']);
    if (!r.stdout) throw new Error(`lab trace ${args.join(' ')}: exit ${r.exitCode}: ${r.stderr}`);
    return JSON.parse(String(r.stdout)) as TraceResult;
  };
  const chains = (r: TraceResult): string[] => r.passes.filter((p) => p.direction === 'original').flatMap((p) => p.steps.map((s) => `${p.host} ${s.chain} ${s.comment ?? ''}`));

  it.before(async () => {
    before = await hostSnapshot(name);
    await upWebLab(name, mode, [nobody]);
  });

  it.after.always(async () => {
    await lab(['down', '--name', name]);
  });

  it.serial('ClusterIP from a pod: the service chain, one endpoint chain with its DNAT, and that pod answers', async (t) => {
    const r = await trace('--from', 'pod/client', '--to', 'svc/web');
    t.true(r.probe.ok, JSON.stringify(r.probe));
    t.is(r.passes[0]?.host, 'node1', 'the path starts on the client node');
    t.regex(chains(r).join('\n'), expected[mode]!.clusterIP);
    t.is(r.dnat.length, 1);
    t.truthy(r.answeredBy);
    t.is(r.dnat[0], `${r.answeredBy!.ip}:8080`);
    t.is(r.probe.reply, 'HTTP/1.1 200 OK');
    t.true(r.conntrack.some((c) => c.host === 'node1' && c.original.dst === r.target.ip && c.reply.src === r.answeredBy!.ip), 'conntrack un-DNATs the reply');
    // Without --name, SVCLAB_LAB picks the lab (other labs may be running side by side).
    const text = await lab(['trace', '--from', 'pod/client', '--to', 'svc/web:http'], { env: { SVCLAB_LAB: name } });
    t.is(text.exitCode, 0, String(text.all));
    t.regex(String(text.stdout), /^answered by pod default\/web-[12] \(10\.244\.\d+\.\d+:8080\) on node[12]$/m);
  });

  it.serial('NodePort from outside: through the router, the nodePort rules, and over to the other node (masqueraded)', async (t) => {
    const seen = new Set<string>();
    for (let i = 0; i < 12 && !seen.has('node2'); i++) {
      const r = await trace('--from', 'outside', '--to', 'svc/web');
      t.true(r.probe.ok, JSON.stringify(r.probe));
      t.deepEqual(r.passes.filter((p) => p.direction === 'original').slice(0, 2).map((p) => p.host), ['router', 'node1']);
      t.regex(chains(r).join('\n'), expected[mode]!.nodePort);
      seen.add(r.answeredBy!.node!);
      if (r.answeredBy!.node === 'node2') {
        const hop = r.passes.find((p) => p.host === 'node2' && p.direction === 'original');
        t.truthy(hop, 'the packet is traced on the endpoint node too');
        t.is(hop!.packet.saddr, '172.18.0.2', 'masqueraded to node1');
        t.true(r.snat.includes('172.18.0.2'));
      }
    }
    t.true(seen.has('node2'), 'one of 12 traces went to the endpoint on node2');
  });

  it.serial('a service without endpoints: the reject is where the path ends', async (t) => {
    const r = await trace('--from', 'pod/client', '--to', 'svc/nobody');
    t.false(r.probe.ok);
    t.is(r.probe.error, 'ECONNREFUSED');
    t.like(r.stopped, { host: 'node1', verdict: 'reject' });
    if (mode === 'iptables') t.is(r.stopped!.comment, 'default/nobody:tcp has no endpoints');
    t.is(r.answeredBy, undefined);
  });

  it.serial('Ctrl-C in the middle of a trace removes its tables and monitors', async (t) => {
    const cli = path.join(repo, 'dist', 'src', 'cli', 'main.js');
    const traced = execa(process.execPath, [cli, 'trace', '--name', name, '--from', 'node/node1', '--to', '172.18.0.250:9'], { reject: false });
    await waitFor('the trace table on node1', async () => (await traceTables(name, 'node1')).length > 0, 10_000);
    traced.kill('SIGINT');
    t.is((await traced).exitCode, 130);
    t.deepEqual(await traceTables(name, 'node1'), []);
    t.deepEqual(await traceTables(name, 'router'), []);
    await waitFor('the monitors gone', () => monitors(name).length === 0, 5000);
  });

  it.serial('nothing of a trace stays, and the leftovers of a kill -9 go with the next trace', async (t) => {
    t.deepEqual(await traceTables(name, 'node1'), []);
    const cli = path.join(repo, 'dist', 'src', 'cli', 'main.js');
    // A probe to a node-network address nobody has keeps the trace busy (ARP fails after ~3 s) long enough to be killed.
    const victim: ResultPromise = execa(process.execPath, [cli, 'trace', '--name', name, '--from', 'node/node1', '--to', '172.18.0.250:9'], { reject: false });
    await waitFor('the trace table on node1', async () => (await traceTables(name, 'node1')).length > 0, 10_000);
    victim.kill('SIGKILL');
    await victim;
    t.is((await traceTables(name, 'node1')).length, 1, 'kill -9 leaves the table');
    await waitFor('the monitors gone with their parent', () => monitors(name).length === 0, 5000);
    const r = await trace('--from', 'pod/client', '--to', 'svc/web');
    t.true(r.probe.ok);
    t.deepEqual(await traceTables(name, 'node1'), [], 'the next trace removed it');
    t.deepEqual(await traceTables(name, 'node2'), []);
    t.deepEqual(monitors(name), []);
  });

  it.serial('lab down leaves the host as it was', async (t) => {
    await lab(['down', '--name', name]);
    t.deepEqual(await hostSnapshot(name), before);
  });
}
