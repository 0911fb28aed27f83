// Each scenario must fail when its behaviour is broken: library scenarios run on
// a lab that a hook breaks on purpose just before the step that depends on it,
// and the run must report exactly that step, with what was expected and seen.
import test, { type ExecutionContext } from 'ava';
import path from 'node:path';
import { execa } from 'execa';
import { types } from '../../../src/api/resources.js';
import type { Pod } from '../../../src/api/types.js';
import { hostArgv } from '../../../src/lab/hosts.js';
import { down } from '../../../src/lab/lifecycle.js';
import { systemTool } from '../../../src/net/tools.js';
import type { Ctx } from '../../../src/scenario/context.js';
import type { RunResult, Step } from '../../../src/scenario/model.js';
import { parseScenario } from '../../../src/scenario/parse.js';
import { runReport } from '../../../src/scenario/report/console.js';
import { runJob } from '../../../src/scenario/runner.js';
import { faultStep } from '../../../src/scenario/steps/faults.js';
import { stepTitle } from '../../../src/scenario/steps/index.js';
import { labName, repo } from '../../helpers/lab.js';
import { e2e } from '../../helpers/root.js';

const it = e2e(test);
const lab = labName('sbrk');

it.after.always(async () => {
  await down(lab).catch(() => undefined);
});

interface Broken {
  r: RunResult;
  index: number;
  /** The console report of the run. */
  report: string;
}

interface Options {
  /** Changes the step that must fail (e.g. a shorter per-request timeout, to keep the test short). */
  adjust?: (s: Step) => void;
  /** The failing step comes this many steps after the break (an action can succeed and the check after it fail). */
  failsAfter?: number;
}

/** Runs a library scenario in iptables mode, calling `breakIt` just before the step titled `before`. */
async function runBroken(t: ExecutionContext, file: string, before: string, breakIt: (ctx: Ctx) => Promise<void>, o: Options = {}): Promise<Broken> {
  t.timeout(3 * 60_000);
  const scenario = parseScenario(path.join(repo, 'scenarios', file));
  const at = scenario.steps.findIndex((s) => stepTitle(s) === before);
  t.true(at > 0, `no step titled "${before}" in ${file}`);
  const index = at + (o.failsAfter ?? 0);
  o.adjust?.(scenario.steps[index]!);
  let broke = false;
  const r = await runJob({ scenario, mode: 'iptables', lab }, {
    beforeStep: async (ctx, i) => {
      if (i !== at) return;
      await breakIt(ctx);
      broke = true;
    },
  });
  t.true(broke, 'the lab was broken');
  t.is(r.status, 'failed');
  t.true(r.steps.slice(0, index).every((s) => s.status === 'passed' || s.status === 'skipped'), 'the steps before the break passed');
  t.is(r.steps[index]!.status, 'failed', `the step after the break failed: ${runReport(r, false).join('\n')}`);
  t.true(r.steps.slice(index + 1).every((s) => s.status === 'not run'));
  return { r, index, report: runReport(r, false).join('\n') };
}

async function onNode(ctx: Ctx, node: string, argv: string[]): Promise<string> {
  const [cmd, ...args] = hostArgv(ctx.lab, node, argv);
  return String((await execa(cmd!, args)).stdout);
}

const failedCheck = (b: Broken, what: RegExp) => b.r.steps[b.index]!.checks.find((c) => !c.ok && what.test(c.what));

it.serial("a NodePort rule removed from a node: that node's step fails, and its rules show the gap", async (t) => {
  const b = await runBroken(t, 'nodeport-every-node.yaml', 'node2 (no local endpoint) from outside the cluster', async (ctx) => {
    // Stop node2's agent first, so it cannot put the rule back.
    await faultStep(ctx, { stopAgent: 'node2' });
    const rule = (await onNode(ctx, 'node2', [systemTool('iptables-save'), '-t', 'nat'])).split('\n').find((l) => l.startsWith('-A KUBE-NODEPORTS') && l.includes('--dport 30080'));
    t.truthy(rule, 'node2 had the nodePort rule');
    const spec = rule!.slice(3).match(/"[^"]*"|\S+/g)!.map((w) => w.replace(/^"|"$/g, ''));
    await onNode(ctx, 'node2', [systemTool('iptables'), '-t', 'nat', '-D', ...spec]);
  });
  t.regex(failedCheck(b, /requests$/)!.seen, /^0\/5 did \((ETIMEDOUT|ECONNREFUSED) ×5\)/);
  t.regex(b.report, /✗ +\d+\. node2 \(no local endpoint\) from outside the cluster/);
  const [node1, node2, node3] = ['node1', 'node2', 'node3'].map((n) => b.report.indexOf(`rules on ${n}`)) as [number, number, number];
  t.true(node1 > 0 && node2 > node1 && node3 > node2);
  const nodePortRule = /-A KUBE-NODEPORTS -p tcp -m comment --comment "default\/web" -m tcp --dport 30080/;
  t.regex(b.report.slice(node1, node2), nodePortRule);
  t.notRegex(b.report.slice(node2, node3), /KUBE-NODEPORTS/, "node2's listing shows the rule is missing");
  t.regex(b.report.slice(node3), nodePortRule);
});

it.serial('a backend that stops answering: the spread check fails on the timeouts', async (t) => {
  const b = await runBroken(
    t,
    'endpoints-follow-pods.yaml',
    'http GET http://web/ ×30 from client',
    async (ctx) => {
      // Without a readiness probe pod2 is Ready once its program runs, maybe before it listens: paused
      // then, it would refuse connections instead of leaving them hanging. Wait until it answers.
      const ip = (await ctx.client.get<Pod>(types.pods, 'pod2', ctx.namespace)).status!.podIP!;
      const serving = await ctx.check({ http: { from: 'client', url: `http://${ip}:8080/`, requests: 1 } } as Step, 30_000);
      t.true(serving.passed, 'pod2 answers before it is paused');
      await faultStep(ctx, { pauseProcess: 'pod2' });
    },
    { adjust: (s) => (s.http!.timeout = '1s') }, // half the requests wait this long
  );
  const requests = failedCheck(b, /requests$/)!;
  // Outcomes are listed most frequent first; random balancing decides which that is.
  t.regex(requests.seen, /^\d+\/30 did \((200 ×\d+, ETIMEDOUT ×\d+|ETIMEDOUT ×\d+, 200 ×\d+)\)/);
  t.regex(b.report, /endpoints default\/web \(cluster IP [\d.]+\): ready 10\.244\.\d+\.\d+:8080 \(pod1 on node1\), 10\.244\.\d+\.\d+:8080 \(pod2 on node2\)/);
});

it.serial('the cluster DNS frozen: DNS checks fail with no reply', async (t) => {
  const b = await runBroken(t, 'dns-kubernetes-default.yaml', 'dns A kubernetes.default.svc.cluster.local from client', async (ctx) => {
    const pods = (await ctx.client.list<Pod>(types.pods, 'kube-system', { labelSelector: 'k8s-app=kube-dns' })).items;
    t.is(pods.length, 2);
    for (const p of pods) await faultStep(ctx, { pauseProcess: { pod: p.metadata.name!, namespace: 'kube-system' } });
  });
  t.deepEqual(failedCheck(b, /^rcode$/), { what: 'rcode', expected: 'NOERROR', seen: 'no reply (ETIMEDOUT)', ok: false });
});

it.serial("stopped agents: a new port's rules never appear, and the rules check says so on every node", async (t) => {
  const b = await runBroken(
    t,
    'service-ports-change.yaml',
    'add port 7',
    async (ctx) => {
      for (const node of ['node1', 'node2']) await faultStep(ctx, { stopAgent: node });
    },
    { failsAfter: 1 },
  );
  t.is(b.r.steps[b.index - 1]!.title, 'add port 7', 'the patch itself is accepted');
  t.deepEqual(
    b.r.steps[b.index]!.checks.map((c) => [c.what, c.expected, c.seen, c.ok]),
    ['node1', 'node2'].map((n) => [`${n}: rules of service default/server port echo`, 'present', 'absent', false]),
  );
});
