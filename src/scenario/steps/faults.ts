// fault: break something the way it breaks in real clusters, then (optionally)
// time how long a check takes to pass again.
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { types } from '../../api/resources.js';
import type { Pod } from '../../api/types.js';
import { programPid } from '../../agent/kubelet/cri/process.js';
import { resolvePort } from '../../agent/kubelet/probes.js';
import { hostArgv } from '../../lab/hosts.js';
import { labDir, readComponents } from '../../lab/state.js';
import { systemTool } from '../../net/tools.js';
import { check, durationMs, seconds, type Ctx, type Outcome } from '../context.js';
import type { FaultStep, PodTarget } from '../model.js';
import { resolvePlace } from '../places.js';
import { expand } from '../templates.js';

async function targetPod(ctx: Ctx, target: PodTarget): Promise<Pod> {
  const where = await resolvePlace(ctx, target);
  if (where.kind !== 'pod') throw new Error(`${where.label} is not a pod`);
  return ctx.client.get<Pod>(types.pods, where.name, where.namespace);
}

function podDir(ctx: Ctx, pod: Pod): string {
  return path.join(labDir(ctx.lab), 'nodes', pod.spec.nodeName!, 'pods', pod.metadata.uid!);
}

/** Signals the current run of a container (the shim's records are in <pod dir>/containers/<name>/<restartCount>/). */
function signalContainer(ctx: Ctx, pod: Pod, containerName: string | undefined, signal: NodeJS.Signals): string {
  const container = containerName ?? pod.spec.containers[0]!.name;
  const restarts = pod.status?.containerStatuses?.find((c) => c.name === container)?.restartCount ?? 0;
  const pid = programPid(path.join(podDir(ctx, pod), 'containers', container, String(restarts)));
  process.kill(pid, signal);
  return `${signal} -> ${pod.metadata.name}/${container} (pid ${pid}, restart count ${restarts})`;
}

/** The kubelet probes from the node's IP: refusing exactly those connections fails the probe while the app keeps serving. */
async function readiness(ctx: Ctx, pod: Pod, fail: boolean): Promise<string> {
  const container = pod.spec.containers.find((c) => c.readinessProbe);
  const probe = container?.readinessProbe;
  const port = probe && container && (probe.httpGet ? resolvePort(probe.httpGet.port, container) : probe.tcpSocket ? resolvePort(probe.tcpSocket.port, container) : undefined);
  if (!port) throw new Error(`pod ${pod.metadata.name} has no httpGet or tcpSocket readiness probe to fail`);
  const { netns } = JSON.parse(fs.readFileSync(path.join(podDir(ctx, pod), 'sandbox.json'), 'utf8')) as { netns: string };
  const rule = ['INPUT', '-p', 'tcp', '-s', pod.status!.hostIP!, '--dport', String(port), '-m', 'comment', '--comment', 'svclab scenario: fail readiness', '-j', 'REJECT', '--reject-with', 'tcp-reset'];
  const r = await execa(systemTool('ip'), ['netns', 'exec', netns, systemTool('iptables'), fail ? '-I' : '-D', ...rule], { reject: false });
  if (r.exitCode !== 0) throw new Error(`iptables in ${pod.metadata.name}: ${String(r.stderr).trim()}`);
  return `${fail ? 'failing' : 'restored'} the readiness probe of ${pod.metadata.name} (port ${port}, from ${pod.status!.hostIP})`;
}

function signalComponent(ctx: Ctx, component: string, signal: NodeJS.Signals): string {
  const pid = readComponents(ctx.lab).find((c) => c.name === component)?.pid;
  if (!pid) throw new Error(`lab ${ctx.lab} has no running ${component}`);
  process.kill(pid, signal);
  return `${signal} -> ${component} (pid ${pid})`;
}

async function link(ctx: Ctx, node: string, state: 'up' | 'down'): Promise<string> {
  const [cmd, ...args] = hostArgv(ctx.lab, node, [systemTool('ip'), 'link', 'set', 'eth0', state]);
  const r = await execa(cmd!, args, { reject: false });
  if (r.exitCode !== 0) throw new Error(`ip link set eth0 ${state} on ${node}: ${String(r.stderr).trim()}`);
  return `${node}: eth0 ${state}`;
}

async function inject(ctx: Ctx, f: FaultStep): Promise<string> {
  const processFaults: [PodTarget | undefined, NodeJS.Signals][] = [
    [f.killProcess, 'SIGKILL'],
    [f.pauseProcess, 'SIGSTOP'],
    [f.resumeProcess, 'SIGCONT'],
  ];
  for (const [target, signal] of processFaults) {
    if (target) return signalContainer(ctx, await targetPod(ctx, target), typeof target === 'object' ? target.container : undefined, signal);
  }
  if (f.failReadiness) return readiness(ctx, await targetPod(ctx, f.failReadiness), true);
  if (f.restoreReadiness) return readiness(ctx, await targetPod(ctx, f.restoreReadiness), false);
  if (f.stopAgent) return signalComponent(ctx, `agent-${f.stopAgent}`, 'SIGSTOP');
  if (f.resumeAgent) return signalComponent(ctx, `agent-${f.resumeAgent}`, 'SIGCONT');
  if (f.killAgent) return signalComponent(ctx, `agent-${f.killAgent}`, 'SIGKILL');
  if (f.linkDown) return link(ctx, f.linkDown, 'down');
  if (f.linkUp) return link(ctx, f.linkUp, 'up');
  if (f.restartApiServer) return signalComponent(ctx, 'apiserver', 'SIGKILL');
  throw new Error('a fault without a kind (the parser should have refused it)');
}

export async function faultStep(ctx: Ctx, raw: FaultStep): Promise<Outcome> {
  const { recovery, ...f } = raw;
  const done = await inject(ctx, await expand(ctx, f));
  if (!recovery) return { checks: [], details: [done] };
  const { within, ...probe } = recovery;
  const bound = durationMs(within, 0);
  const r = await ctx.check(probe, bound);
  const recovered = check('recovery', `within ${seconds(bound)}`, r.passed ? `after ${seconds(r.ms)} (${r.attempts} attempt${r.attempts === 1 ? '' : 's'})` : `not within ${seconds(bound)}`, r.passed);
  return { checks: [recovered, ...r.outcome.checks], details: [done, ...r.outcome.details], diagnose: r.outcome.diagnose };
}
