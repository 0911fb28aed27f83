// The netns runtime's pod sandbox, seen from inside pods: host secrets and the lab
// state out of sight, a read-only root with private /tmp and /run, Docker's default
// capabilities, no_new_privs, runAsUser, and privileged: true as the way back.
import test from 'ava';
import fs from 'node:fs';
import { types } from '../../../src/api/resources.js';
import type { Pod } from '../../../src/api/types.js';
import type { ApiClient } from '../../../src/client/client.js';
import { exec } from '../../../src/client/exec.js';
import { initPid, programPid } from '../../../src/agent/kubelet/cri/process.js';
import { adminConnection } from '../../../src/lab/credentials.js';
import { labDir, readState } from '../../../src/lab/state.js';
import { sleep } from '../../../src/util/poll.js';
import { hostSnapshot } from '../../helpers/host.js';
import { clientFor, lab, labName, repo, restartAgent, waitFor } from '../../helpers/lab.js';
import { e2e } from '../../helpers/root.js';

const it = e2e(test);
const name = labName('sandbox');
let client: ApiClient;
let before: string[];

/** Docker's default capability set as /proc/<pid>/status prints it. */
const DOCKER_CAPS = '00000000a80425fb';

function pod(podName: string, container: Record<string, unknown> = {}, spec: Record<string, unknown> = {}): Pod {
  return { metadata: { name: podName }, spec: { terminationGracePeriodSeconds: 2, containers: [{ name: 'main', image: 'lab/toolbox', ...container }], ...spec } } as Pod;
}

async function running(podName: string): Promise<Pod> {
  return waitFor(`pod ${podName} Running`, async () => {
    const p = await client.get<Pod>(types.pods, podName, 'default');
    return p.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.ready ? p : undefined;
  }, 15_000);
}

async function inPod(podName: string, script: string): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return exec({ ...adminConnection(readState(name)!), namespace: 'default', pod: podName, command: ['sh', '-c', script] });
}

/** A field of /proc/<pid>/status inside the pod (self: the exec'd shell, 1: the init, tini). */
async function status(podName: string, field: string, pid = 'self'): Promise<string> {
  const r = await inPod(podName, `grep '^${field}:' /proc/${pid}/status`);
  return r.stdout.split(':')[1]!.trim();
}

it.before(async (t) => {
  before = await hostSnapshot(name);
  const r = await lab(['up', '--name', name, '--nodes', '1']);
  t.is(r.exitCode, 0, String(r.all));
  client = clientFor(name);
  await client.create(types.pods, pod('plain'), 'default');
  await client.create(types.pods, pod('other'), 'default');
  await running('plain');
  await running('other');
});

it.after.always(async (t) => {
  client?.close();
  await lab(['down', '--name', name]);
  t.deepEqual(await hostSnapshot(name), before);
});

it.serial("the host's shadow files, /root and the lab state are out of a pod's sight", async (t) => {
  const shadow = fs.readFileSync('/etc/shadow');
  t.true(shadow.length > 0, 'the host has a shadow file to hide');
  const r = await inPod('plain', 'head -c 30 /etc/shadow; head -c 30 /etc/gshadow; ls -A /root /var/backups /etc/ssl/private');
  t.is(r.exitCode, 0, r.stderr);
  t.is(r.stdout, '/etc/ssl/private:\n\n/root:\n\n/var/backups:\n', "neither the host's shadow nor gshadow; /root, the shadow backups and private keys are empty");

  const stateFile = `/run/svclab/${name}/kubeconfig`;
  t.true(fs.existsSync(stateFile));
  const state = await inPod('plain', `cat ${stateFile}; ls /run/svclab; ls /run/netns; test -e /var/run/docker.sock && echo docker.sock`);
  t.not(state.exitCode, 0);
  t.is(state.stdout, '');
  t.regex(state.stderr, /No such file or directory/);
});

it.serial('the root file system is read-only; /tmp and /run are private and writable', async (t) => {
  const ro = await inPod('plain', 'touch /usr/svclab-probe');
  t.not(ro.exitCode, 0);
  t.regex(ro.stderr, /Read-only file system/);
  t.false(fs.existsSync('/usr/svclab-probe'));
  const etc = await inPod('plain', 'echo x >>/etc/passwd');
  t.regex(etc.stderr, /Read-only file system/);

  // A checkout under /tmp (a CI clone) stays visible there, read-only: the images run from it.
  const kept = repo.startsWith('/tmp/') ? [repo.split('/')[2]!] : [];
  const rw = await inPod('plain', 'echo mine >/tmp/secret && echo run >/run/f && cat /tmp/secret /run/f && ls -A /tmp');
  t.is(rw.exitCode, 0, rw.stderr);
  t.deepEqual(rw.stdout.trim().split('\n'), ['mine', 'run', ...['secret', ...kept].sort()]);
  // Another pod's /tmp is its own, and its processes are not even listed (own pid namespace).
  const otherTmp = await inPod('other', 'ls -A /tmp; cat /proc/*/root/tmp/secret 2>/dev/null');
  t.false(otherTmp.stdout.includes('mine'));
  t.deepEqual(otherTmp.stdout.split('\n').filter(Boolean), kept);
  // CAP_MKNOD is in Docker's set, but without a device cgroup only nodev keeps a made node inert.
  const mem = await inPod('plain', 'mknod /tmp/mem c 1 1 && head -c 1 /tmp/mem');
  t.not(mem.exitCode, 0);
  t.regex(mem.stderr, /Permission denied/);
  const ps = await inPod('other', 'ps -e -o pid=,comm=');
  t.regex(ps.stdout.trim(), /^1 tini\s+\d+ sleep\s+\d+ sh\s+\d+ ps$/);
});

it.serial("a pod has Docker's default capabilities and no_new_privs; NET_ADMIN and SYS_ADMIN are refused, ping works", async (t) => {
  for (const pid of ['self', '1']) {
    t.is(await status('plain', 'CapEff', pid), DOCKER_CAPS);
    t.is(await status('plain', 'CapBnd', pid), DOCKER_CAPS);
    t.is(await status('plain', 'NoNewPrivs', pid), '1');
  }
  const netAdmin = await inPod('plain', 'ip link set lo mtu 1400');
  t.regex(netAdmin.stderr, /Operation not permitted/);
  const sysAdmin = await inPod('plain', 'mount -t tmpfs none /tmp');
  t.not(sysAdmin.exitCode, 0);
  t.regex(sysAdmin.stderr, /permission denied|must be superuser/i);
  const otherIP = (await running('other')).status!.podIP!;
  const ping = await inPod('plain', `ping -c 1 -W 2 ${otherIP}`);
  t.is(ping.exitCode, 0, ping.stderr);
  t.regex(ping.stdout, /1 received/);
});

it.serial("runAsUser/runAsGroup are honoured (the container's over the pod's), and such a process keeps no capability", async (t) => {
  await client.create(
    types.pods,
    pod('user', { securityContext: { runAsUser: 1000 }, image: 'lab/hello', env: [{ name: 'PORT', value: '80' }], readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 1 } }, { securityContext: { runAsUser: 2000, runAsGroup: 3000, supplementalGroups: [4000] } }),
    'default',
  );
  const p = await running('user');
  const id = await inPod('user', 'id -u; id -g; id -G');
  t.is(id.stdout, '1000\n3000\n3000 4000\n');
  t.is((await status('user', 'Uid', '1')).split(/\s+/)[0], '1000', 'the container itself runs as 1000');
  t.is(await status('user', 'CapEff'), '0000000000000000');
  t.is(await status('user', 'CapBnd'), DOCKER_CAPS);
  // Docker's sysctls: a non-root server on port 80, and ping without CAP_NET_RAW.
  const hello = await inPod('plain', `curl -s --max-time 3 http://${p.status!.podIP}:80/`);
  t.regex(hello.stdout, /^Hello from user/);
  const ping = await inPod('user', `ping -c 1 -W 2 ${p.status!.podIP}`);
  t.is(ping.exitCode, 0, ping.stderr);
  const tmp = await inPod('user', 'touch /tmp/x && stat -c %u /tmp/x');
  t.is(tmp.stdout, '1000\n');
});

it.serial('capabilities.add/drop and allowPrivilegeEscalation change the set and no_new_privs', async (t) => {
  await client.create(types.pods, pod('netadmin', { securityContext: { capabilities: { add: ['NET_ADMIN'], drop: ['NET_RAW'] }, allowPrivilegeEscalation: true } }), 'default');
  await running('netadmin');
  // + CAP_NET_ADMIN (bit 12), - CAP_NET_RAW (bit 13)
  t.is(await status('netadmin', 'CapEff'), '00000000a80415fb');
  t.is(await status('netadmin', 'NoNewPrivs'), '0');
  const r = await inPod('netadmin', 'ip link set lo mtu 1400 && ip -o link show lo');
  t.is(r.exitCode, 0, r.stderr);
  t.regex(r.stdout, /mtu 1400/);
});

it.serial('runAsNonRoot without a user is refused, as upstream', async (t) => {
  await client.create(types.pods, pod('nonroot', { securityContext: { runAsNonRoot: true } }), 'default');
  const p = await waitFor('nonroot CreateContainerConfigError', async () => {
    const got = await client.get<Pod>(types.pods, 'nonroot', 'default');
    return got.status?.containerStatuses?.[0]?.state.waiting?.reason === 'CreateContainerConfigError' ? got : undefined;
  });
  t.regex(p.status!.containerStatuses![0]!.state.waiting!.message!, /^container has runAsNonRoot and image will run as root \(pod: "nonroot_default\(.+\)", container: main\)$/);
});

it.serial("privileged: true is the explicit way back to the node's powers", async (t) => {
  await client.create(types.pods, pod('priv', { securityContext: { privileged: true } }), 'default');
  await running('priv');
  const r = await inPod('priv', 'head -c 30 /etc/shadow');
  t.is(r.stdout, fs.readFileSync('/etc/shadow').subarray(0, 30).toString());
  t.is(await status('priv', 'NoNewPrivs'), '0');
  t.is(await status('priv', 'CapEff'), fs.readFileSync('/proc/self/status', 'utf8').match(/^CapBnd:\s+(\w+)/m)![1]);
  const state = await inPod('priv', `test -f /run/svclab/${name}/kubeconfig && echo visible`);
  t.is(state.stdout, 'visible\n');
});

it.serial("the pod's projected ServiceAccount token is in its sandbox, read-only, and the API takes it for the pod's account", async (t) => {
  const sa = '/var/run/secrets/kubernetes.io/serviceaccount';
  const files = await inPod('plain', `ls ${sa}; grep " /run/secrets/kubernetes.io/serviceaccount " /proc/self/mountinfo | cut -d" " -f6 | cut -d, -f1`);
  t.is(files.stdout, 'ca.crt\nnamespace\ntoken\nro\n', files.stderr);
  const review = `curl -sS --cacert ${sa}/ca.crt -H "Authorization: Bearer $(cat ${sa}/token)" -H 'Content-Type: application/json' -d '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}' https://kubernetes.default.svc/apis/authentication.k8s.io/v1/selfsubjectreviews`;
  const answer = await inPod('plain', review);
  t.regex(answer.stdout, /"username":"system:serviceaccount:default:default"/, answer.stderr);
  t.regex((await inPod('plain', `echo x >${sa}/token`)).stderr, /Read-only file system/);
});

it.serial('a SIGKILLed sandboxed program is restarted exactly once, after its whole pid namespace is gone', async (t) => {
  await client.create(types.pods, pod('killed', { image: 'lab/hello', readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1 } }), 'default');
  const p = await running('killed');
  t.is(p.status!.containerStatuses![0]!.restartCount, 0, 'the first start did not fail: a count of 1 below is this kill');
  const dir = `${labDir(name)}/nodes/${p.spec.nodeName}/pods/${p.metadata.uid}/containers/main/0`;
  const init = initPid(dir)!;
  const program = programPid(dir);
  t.regex(fs.readFileSync(`/proc/${program}/cmdline`, 'utf8'), /images\/hello\/main\.js/);
  process.kill(program, 'SIGKILL');
  const after = await waitFor('the container restarted and Ready', async () => {
    const x = await client.get<Pod>(types.pods, 'killed', 'default');
    return (x.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 && x.status!.containerStatuses![0]!.ready ? x : undefined;
  }, 20_000);
  t.like(after.status!.containerStatuses![0]!.lastState!.terminated!, { exitCode: 137 });
  // The new run started only once the old namespace's init had been reaped (it goes after every process in it).
  const restartedAt = fs.statSync(`${dir.slice(0, -1)}1/pid`).mtimeMs;
  t.false(fs.existsSync(`/proc/${init}`) && fs.statSync(`/proc/${init}`).mtimeMs < restartedAt, 'the old init is gone');
  // A second restart would come within the back-off (1 s, then 2 s): the count stays at exactly 1.
  await sleep(4000);
  const settled = await client.get<Pod>(types.pods, 'killed', 'default');
  t.is(settled.status!.containerStatuses![0]!.restartCount, 1);
  t.true(settled.status!.containerStatuses![0]!.ready);
});

it.serial('a restarted agent adopts sandboxed containers, and exec still enters the same sandbox', async (t) => {
  const beforeRestart = await running('plain');
  await restartAgent(name, 'node1');
  const after = await running('plain');
  t.is(after.status!.containerStatuses![0]!.restartCount, beforeRestart.status!.containerStatuses![0]!.restartCount);
  const r = await inPod('plain', 'cat /tmp/secret; head -c 30 /etc/shadow; grep -E "^(CapEff|NoNewPrivs):" /proc/self/status');
  t.is(r.stdout.replace(/\t/g, ' '), `mine\nCapEff: ${DOCKER_CAPS}\nNoNewPrivs: 1\n`);
});
