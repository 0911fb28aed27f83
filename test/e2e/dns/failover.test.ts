// The cluster DNS survives losing one of its two replicas: a pod keeps
// resolving through kube-dns (10.96.0.10) while one DNS server is SIGKILLed or
// its pod deleted, and the lost replica comes back and serves again.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { isReady } from '../../../src/api/conditions.js';
import { types } from '../../../src/api/resources.js';
import type { Endpoints, Pod } from '../../../src/api/types.js';
import { exec } from '../../../src/client/exec.js';
import { adminConnection } from '../../../src/lab/credentials.js';
import { labDir, readState } from '../../../src/lab/state.js';
import { waitFor } from '../../helpers/lab.js';
import { dnsLab, toolbox } from './dns-lab.js';

const [it, dns] = dnsLab(test, 'dnsfail');


async function dnsPods(): Promise<Pod[]> {
  return (await dns.client.list<Pod>(types.pods, 'kube-system', { labelSelector: 'k8s-app=kube-dns' })).items.filter((p) => !p.metadata.deletionTimestamp);
}

/** The DNS pod IPs kube-dns sends queries to (its ready UDP endpoints). */
async function kubeDnsAddresses(): Promise<string[]> {
  const ep = await dns.client.get<Endpoints>(types.endpoints, 'kube-dns', 'kube-system');
  return (ep.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip)).filter((ip, i, all) => all.indexOf(ip) === i).sort();
}

/**
 * Resolves kubernetes.default in a loop in the asker pod until `stop()`. A
 * lookup is one dig (3 tries of 1 s on one socket, so one UDP flow, pinned to
 * one DNS pod by conntrack); when it gets no answer, it is repeated from a new
 * socket 1 s later, up to 3 times, as a resolver retries after an error (glibc
 * reopens its socket after an ICMP error). Each lookup prints `ok <runs>` or
 * `FAIL <what dig said>`.
 */
function resolveLoop(): { answered(): number; stop(): Promise<string[]> } {
  const stopFile = path.join(labDir(dns.name), 'stop-resolving');
  const dig = 'r=$(dig +short +tries=3 +timeout=1 kubernetes.default.svc.cluster.local 2>&1 | tr "\\n" " ")';
  const gotAnswer = 'case "$r" in *"10.96.0.1 ") true;; *) false;; esac';
  const script = `while [ ! -e ${stopFile} ]; do n=1; ${dig}; while ! ${gotAnswer} && [ $n -lt 3 ]; do sleep 1; n=$((n+1)); ${dig}; done; if ${gotAnswer}; then echo "ok $n"; else echo "FAIL $r"; fi; done`;
  let out = '';
  const done = exec({ ...adminConnection(readState(dns.name)!), namespace: 'default', pod: 'asker', command: ['sh', '-c', script], onStdout: (d) => (out += d.toString()) });
  return {
    answered: () => out.split('\n').filter((l) => l.startsWith('ok ')).length,
    async stop() {
      fs.writeFileSync(stopFile, '');
      await done;
      fs.rmSync(stopFile);
      return out.split('\n').filter(Boolean);
    },
  };
}

/** Queries answered by one DNS pod since its container started, from the metrics its server prints on SIGUSR1. */
async function answered(pod: Pod): Promise<number> {
  process.kill(dns.containerPid(pod, 'coredns'), 'SIGUSR1');
  return waitFor(`metrics of ${pod.metadata.name}`, async () => {
    const log = await dns.client.request<string>('GET', `/api/v1/namespaces/kube-system/pods/${pod.metadata.name}/log?tailLines=1`);
    const m = /^dns: metrics (.*)$/m.exec(log);
    return m ? ((JSON.parse(m[1]!) as { queries: Record<string, number> }).queries.NOERROR ?? 0) : undefined;
  }, 15_000);
}

it.serial.before(async () => {
  await dns.runPod(toolbox('asker'));
  await waitFor('two ready DNS pods behind kube-dns', async () => (await kubeDnsAddresses()).length === 2, 30_000);
});

it.serial('resolution keeps working while one DNS server is SIGKILLed; its container restarts and serves again behind kube-dns', async (t) => {
  const [victim, survivor] = await dnsPods();
  const loop = resolveLoop();
  await waitFor('lookups before the kill', () => loop.answered() >= 5, 15_000);
  process.kill(dns.containerPid(victim!, 'coredns'), 'SIGKILL');
  const atKill = loop.answered();
  const back = await waitFor('the killed DNS container restarted, Ready and behind kube-dns', async () => {
    const p = await dns.client.get<Pod>(types.pods, victim!.metadata.name!, 'kube-system');
    const restarted = p.status?.containerStatuses?.[0]?.restartCount === 1;
    return restarted && isReady(p) && (await kubeDnsAddresses()).includes(p.status!.podIP!) ? p : undefined;
  }, 60_000);
  const atBack = loop.answered();
  await waitFor('more lookups after the recovery', () => loop.answered() >= atBack + 10, 15_000);
  const lines = await loop.stop();
  // A lookup whose flow went to the killed server before its endpoint left kube-dns gets ICMP port unreachable on every try of that socket; its retry from a new socket is answered.
  t.deepEqual(lines.filter((l) => !l.startsWith('ok ')), [], 'every lookup was answered');
  t.log(`${lines.filter((l) => l !== 'ok 1').length} of ${lines.length} lookups needed a new socket`);
  t.true(atBack > atKill, 'lookups were answered while the replica was away');
  t.like(back.status!.containerStatuses![0]!.lastState!.terminated!, { exitCode: 137, signal: 9 });
  t.is(back.status!.podIP, victim!.status!.podIP);
  t.deepEqual(await kubeDnsAddresses(), [survivor!.status!.podIP!, victim!.status!.podIP!].sort());

  // The restarted server answers directly and gets its share of kube-dns traffic again.
  const direct = await dns.dig('asker', [`@${back.status!.podIP}`, 'kubernetes.default.svc.cluster.local', 'A']);
  t.deepEqual(direct.answer.map((a) => a.data), ['10.96.0.1']);
  for (let i = 0; i < 20; i++) await dns.dig('asker', ['kubernetes.default.svc.cluster.local', 'A']);
  t.true((await answered(back)) > 1, 'queries through 10.96.0.10 reach the restarted server');
});

it.serial('resolution keeps working while one DNS pod is deleted; the ReplicaSet replaces it and the new pod joins kube-dns', async (t) => {
  const [victim, survivor] = await dnsPods();
  const loop = resolveLoop();
  await waitFor('lookups before the delete', () => loop.answered() >= 5, 15_000);
  await dns.client.delete(types.pods, victim!.metadata.name!, 'kube-system');
  const atDelete = loop.answered();
  const replacement = await waitFor('a new DNS pod, Ready and behind kube-dns', async () => {
    const fresh = (await dnsPods()).find((p) => p.metadata.name !== victim!.metadata.name && p.metadata.name !== survivor!.metadata.name && isReady(p));
    return fresh && (await kubeDnsAddresses()).includes(fresh.status!.podIP!) ? fresh : undefined;
  }, 60_000);
  await waitFor('the deleted pod gone', async () => !(await dns.client.list<Pod>(types.pods, 'kube-system')).items.some((p) => p.metadata.name === victim!.metadata.name), 30_000);
  const atBack = loop.answered();
  await waitFor('more lookups after the replacement', () => loop.answered() >= atBack + 10, 15_000);
  const lines = await loop.stop();
  // The deleted server keeps serving (lameduck) while kube-dns drops it: no lookup needs a second socket.
  t.deepEqual(lines.filter((l) => l !== 'ok 1'), [], 'every lookup was answered at its first dig');
  t.true(atBack > atDelete, 'lookups were answered while the replica was away');
  t.deepEqual(await kubeDnsAddresses(), [survivor!.status!.podIP!, replacement.status!.podIP!].sort());
  const direct = await dns.dig('asker', [`@${replacement.status!.podIP}`, 'kubernetes.default.svc.cluster.local', 'A']);
  t.deepEqual(direct.answer.map((a) => a.data), ['10.96.0.1']);
});
