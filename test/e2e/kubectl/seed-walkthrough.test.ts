// The seed tutorial's services chapter (seeds/004) typed into the real
// /usr/bin/kubectl, command by command, against a lab: its own YAML, its
// `get ... -o wide --show-labels` headers, exec of curl/nslookup/printenv,
// scale, expose, apply of a changed manifest, logs -f, delete, and the error
// texts and exit codes of a real cluster.
import test from 'ava';
import { execa, type ResultPromise } from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { types } from '../../../src/api/resources.js';
import type { Pod, Service } from '../../../src/api/types.js';
import type { ApiClient } from '../../../src/client/client.js';
import { kubectlArgv } from '../../../src/lab/kubeconfig.js';
import { hostArgv } from '../../../src/lab/hosts.js';
import { paths, readState, serverUrl } from '../../../src/lab/state.js';
import { hostSnapshot } from '../../helpers/host.js';
import { byeDeployment, byeHelloServices, helloDeployment } from '../../fixtures/seed-manifests.js';
import { clientFor, lab, labName, waitFor } from '../../helpers/lab.js';
import { e2e } from '../../helpers/root.js';
import { podsMatching, readyPods, type LabSession } from '../workloads/lab-session.js';

const it = e2e(test);
const name = labName('kubectl');
const s = { name } as LabSession;
let client: ApiClient;
let before: string[];
let upOutput = '';
let dir: string;

// The manifests as the seed prints them (deployments from its table, services from its dry-run output).
const DEPLOYMENTS = [byeDeployment, helloDeployment].join('---\n');
const SERVICES = byeHelloServices;

// ms-hello-svc changed: port 17 removed, two named ports added.
const HELLO_SVC_CHANGED = `apiVersion: v1
kind: Service
metadata:
  labels:
    app: ms-hello-dep
  name: ms-hello-svc
spec:
  ports:
  - name: http
    port: 80
    targetPort: 7777
  - name: alt
    port: 8080
    targetPort: 7777
  selector:
    app: ms-hello-pods
`;

function manifest(file: string, text: string): string {
  const p = path.join(dir, file);
  fs.writeFileSync(p, text);
  return p;
}

/** `lab kubectl --name <lab> ARGS...`: the real kubectl through the lab CLI. */
async function kubectl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await lab(['kubectl', '--name', name, ...args]);
  return { code: r.exitCode ?? -1, out: String(r.stdout), err: String(r.stderr) };
}

/** kubectl itself, for commands that keep running until stopped. */
function spawnKubectl(...args: string[]): ResultPromise<{ reject: false }> {
  const [cmd, ...rest] = kubectlArgv(name, args);
  return execa(cmd!, rest, { reject: false });
}

async function ok(...args: string[]): Promise<string> {
  const r = await kubectl(...args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.err}`);
  return r.out;
}

interface Printed {
  header: string[];
  rows: string[][];
}

/** kubectl's tables (one per resource kind, separated by blank lines), cells split on runs of 2+ spaces. */
function tables(text: string): Printed[] {
  return text
    .trim()
    .split(/\n\s*\n/)
    .map((block) => {
      const [head, ...lines] = block.split('\n').map((l) => l.trim().split(/\s{2,}/));
      return { header: head!, rows: lines };
    });
}

function cell(t: Printed, row: string[], column: string): string {
  const i = t.header.indexOf(column);
  if (i < 0) throw new Error(`no column ${column} in ${t.header.join(' | ')}`);
  return row[i]!;
}

const podName = (p: Pod): string => p.metadata.name!;

async function helloAccessLines(pod: string): Promise<number> {
  return (await ok('logs', pod)).split('\n').filter((l) => l.includes('"GET / HTTP/1.1" 200')).length;
}

it.before(async (t) => {
  before = await hostSnapshot(name);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), `svclab-${name}-`));
  const r = await lab(['up', '--name', name, '--nodes', '2']);
  t.is(r.exitCode, 0, String(r.all));
  upOutput = String(r.stdout);
  client = clientFor(name);
  s.client = client;
});

it.after.always(async (t) => {
  const port = readState(name)?.apiPort;
  client?.close();
  await lab(['down', '--name', name]);
  fs.rmSync(dir, { recursive: true, force: true });
  t.deepEqual(await hostSnapshot(name), before);
  if (port) t.false(fs.existsSync(path.join(os.homedir(), '.kube', 'cache', 'discovery', `127.0.0.1_${port}`)), "kubectl cached nothing in the host's ~/.kube");
});

it.serial('lab up writes a kubeconfig for the lab and prints how to use it', (t) => {
  const file = paths.kubeconfig(name);
  t.true(upOutput.includes(`export KUBECONFIG=${file}`), upOutput);
  t.true(upOutput.includes(`lab kubectl --name ${name} `), upOutput);
  const config = fs.readFileSync(file, 'utf8');
  t.true(config.includes(`server: ${serverUrl(readState(name)!)}`));
  t.regex(serverUrl(readState(name)!), /^https:\/\/127\.0\.0\.1:\d+$/);
  for (const field of ['certificate-authority-data', 'client-certificate-data', 'client-key-data']) t.regex(config, new RegExp(`${field}: [A-Za-z0-9+/=]{100,}`));
  t.is(fs.statSync(file).mode & 0o777, 0o600);
  t.deepEqual(kubectlArgv(name, ['get', 'pods']).slice(1, 5), ['--kubeconfig', file, '--cache-dir', path.join(path.dirname(file), 'kubectl-cache')]);
});

it.serial('kubectl apply creates the seed deployments, and get deploy,rs,po -o wide --show-labels prints the columns of a real cluster', async (t) => {
  const out = await ok('apply', '-f', manifest('deployments.yaml', DEPLOYMENTS));
  t.deepEqual(out.trim().split('\n'), ['deployment.apps/ms-bye-dep created', 'deployment.apps/ms-hello-dep created']);
  await readyPods(s, 'app=ms-bye-pods', 2);
  await readyPods(s, 'app=ms-hello-pods', 2);
  const [deploys, rsets, pods] = await waitFor('both deployments 2/2 in kubectl get', async () => {
    const printed = tables(await ok('get', 'deploy,rs,po', '-o', 'wide', '--show-labels'));
    return printed[0]?.rows.every((r) => r[1] === '2/2') ? printed : undefined;
  }, 20_000);
  // The headers of the seed's own output (minikube, kubectl of its day).
  t.deepEqual(deploys!.header, ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR', 'LABELS']);
  t.deepEqual(rsets!.header, ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR', 'LABELS']);
  t.deepEqual(pods!.header, ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES', 'LABELS']);

  const withoutAge = (p: Printed, row: string[]): string[] => row.filter((_, i) => p.header[i] !== 'AGE');
  t.deepEqual(deploys!.rows.map((r) => withoutAge(deploys!, r)), [
    ['deployment.apps/ms-bye-dep', '2/2', '2', '2', 'ms-bye', 'pgolard/ms-bye:v4', 'app=ms-bye-pods', 'app=ms-bye-dep'],
    ['deployment.apps/ms-hello-dep', '2/2', '2', '2', 'ms-hello', 'pgolard/ms-hello:v4', 'app=ms-hello-pods', 'app=ms-hello-dep'],
  ]);
  for (const [app, row] of [['ms-bye', rsets!.rows[0]!], ['ms-hello', rsets!.rows[1]!]] as const) {
    const hash = /^replicaset\.apps\/[a-z-]+-dep-([a-z0-9]+)$/.exec(row[0]!)![1]!;
    t.deepEqual(withoutAge(rsets!, row).slice(1), ['2', '2', '2', app, `pgolard/${app}:v4`, `app=${app}-pods,pod-template-hash=${hash}`, `app=${app}-pods,pod-template-hash=${hash}`]);
    const mine = pods!.rows.filter((r) => r[0]!.startsWith(`pod/${app}-dep-${hash}-`));
    t.is(mine.length, 2, `two ${app} pods named after their replicaset`);
    for (const r of mine) {
      const live = await client.get<Pod>(types.pods, r[0]!.slice(4), 'default');
      t.deepEqual(withoutAge(pods!, r).slice(1), ['1/1', 'Running', '0', live.status!.podIP!, live.spec.nodeName!, '<none>', '<none>', `app=${app}-pods,pod-template-hash=${hash}`]);
    }
  }
});

it.serial('kubectl get svc,ep shows the services with their cluster IPs and the pods as endpoints', async (t) => {
  t.deepEqual((await ok('apply', '-f', manifest('services.yaml', SERVICES))).trim().split('\n'), ['service/ms-bye-svc created', 'service/ms-hello-svc created']);
  const bye = (await podsMatching(s, 'app=ms-bye-pods')).map((p) => `${p.status!.podIP}:9999`).sort();
  const hello = (await podsMatching(s, 'app=ms-hello-pods')).map((p) => `${p.status!.podIP}:7777`).sort();
  const [svcs, eps] = await waitFor('endpoints of both services', async () => {
    const printed = tables(await ok('get', 'svc,ep'));
    const ep = printed[1]?.rows.find((r) => r[0] === 'endpoints/ms-hello-svc');
    return ep && ep[1] !== '<none>' && printed[1]!.rows.find((r) => r[0] === 'endpoints/ms-bye-svc')?.[1] !== '<none>' ? printed : undefined;
  }, 15_000);
  t.deepEqual(svcs!.header, ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
  t.deepEqual(eps!.header, ['NAME', 'ENDPOINTS', 'AGE']);
  for (const [svc, port] of [['ms-bye-svc', '19/TCP'], ['ms-hello-svc', '17/TCP']]) {
    const live = await client.get<Service>(types.services, svc!, 'default');
    const row = svcs!.rows.find((r) => r[0] === `service/${svc}`)!;
    t.deepEqual(row.slice(0, 5), [`service/${svc}`, 'ClusterIP', live.spec.clusterIP!, '<none>', port!]);
  }
  t.deepEqual(eps!.rows.find((r) => r[0] === 'endpoints/ms-bye-svc')![1]!.split(',').sort(), bye);
  t.deepEqual(eps!.rows.find((r) => r[0] === 'endpoints/ms-hello-svc')![1]!.split(',').sort(), hello);
  t.truthy(svcs!.rows.find((r) => r[0] === 'service/kubernetes' && r[2] === '10.96.0.1' && r[4] === '443/TCP'));
});

it.serial('kubectl describe svc lists the pod IP:targetPort pairs on its Endpoints line', async (t) => {
  const live = await client.get<Service>(types.services, 'ms-hello-svc', 'default');
  const hello = (await podsMatching(s, 'app=ms-hello-pods')).map((p) => `${p.status!.podIP}:7777`).sort();
  const out = await ok('describe', 'svc', 'ms-hello-svc');
  const field = (label: string): string => new RegExp(`^${label}:\\s+(.*)$`, 'm').exec(out)?.[1] ?? '';
  t.is(field('Name'), 'ms-hello-svc');
  t.is(field('Selector'), 'app=ms-hello-pods');
  t.is(field('Type'), 'ClusterIP');
  t.is(field('IP'), live.spec.clusterIP!);
  t.is(field('Port'), '<unset>  17/TCP');
  t.is(field('TargetPort'), '7777/TCP');
  t.deepEqual(field('Endpoints').split(',').sort(), hello);
  t.is(field('Session Affinity'), 'None');
});

it.serial('kubectl describe of endpoints, a pod, a deployment and a node shows their state and events', async (t) => {
  const pods = await podsMatching(s, 'app=ms-hello-pods');
  const field = (text: string, label: string): string => new RegExp(`^\\s*${label}:\\s+(.*)$`, 'm').exec(text)?.[1] ?? '';
  const ep = await ok('describe', 'endpoints', 'ms-hello-svc');
  t.deepEqual(field(ep, 'Addresses').split(',').sort(), pods.map((p) => p.status!.podIP!).sort());
  const pod = await ok('describe', 'pod', podName(pods[0]!));
  t.is(field(pod, 'Status'), 'Running');
  t.is(field(pod, 'IP'), pods[0]!.status!.podIP!);
  t.is(field(pod, 'Node'), `${pods[0]!.spec.nodeName}/${pods[0]!.status!.hostIP}`);
  t.regex(pod, new RegExp(`Normal\\s+Scheduled\\s+\\S+\\s+default-scheduler\\s+Successfully assigned default/${podName(pods[0]!)} to ${pods[0]!.spec.nodeName}`));
  const deploy = await ok('describe', 'deployment', 'ms-hello-dep');
  t.is(field(deploy, 'Replicas'), '2 desired | 2 updated | 2 total | 2 available | 0 unavailable');
  t.regex(deploy, /Normal\s+ScalingReplicaSet\s+\S+\s+deployment-controller\s+Scaled up replica set ms-hello-dep-[a-z0-9]+ from 0 to 2/);
  const node = await ok('describe', 'node', 'node1');
  t.is(field(node, 'InternalIP'), '172.18.0.2');
  t.regex(node, /^\s+Ready\s+True\s/m);
});

it.serial('kubectl exec curl through the service name is answered by both ms-hello pods', async (t) => {
  const bye = podName((await podsMatching(s, 'app=ms-bye-pods'))[0]!);
  const hello = (await podsMatching(s, 'app=ms-hello-pods')).map(podName);
  const start = await Promise.all(hello.map(helloAccessLines));
  // The proxy picks endpoints at random: curl until both pods have answered (50 tries: a miss is 2 in 10^15).
  let answered = start;
  for (let i = 0; i < 50; i++) {
    t.is(await ok('exec', bye, '--', 'curl', '-s', '--max-time', '3', 'ms-hello-svc:17'), 'This is the hello world custom node parent');
    if (i % 5 === 4) {
      answered = await Promise.all(hello.map(helloAccessLines));
      if (answered.every((n, j) => n > start[j]!)) break;
    }
  }
  t.true(answered.every((n, j) => n > start[j]!), `requests per pod before ${start}, after ${answered}`);
});

it.serial('kubectl exec nslookup resolves the service name to its cluster IP', async (t) => {
  const live = await client.get<Service>(types.services, 'ms-hello-svc', 'default');
  const bye = podName((await podsMatching(s, 'app=ms-bye-pods'))[0]!);
  const out = await ok('exec', bye, '--', 'nslookup', 'ms-hello-svc');
  t.regex(out, /Server:\s+10\.96\.0\.10/);
  t.regex(out, new RegExp(`Name:\\s+ms-hello-svc\\.default\\.svc\\.cluster\\.local\\nAddress: ${live.spec.clusterIP!.replace(/\./g, '\\.')}\\n`));
});

it.serial('after kubectl scale to 0 and back, the new pods get the service environment variables', async (t) => {
  const byeIP = (await client.get<Service>(types.services, 'ms-bye-svc', 'default')).spec.clusterIP!;
  const helloIP = (await client.get<Service>(types.services, 'ms-hello-svc', 'default')).spec.clusterIP!;
  const old = (await podsMatching(s, 'app=ms-bye-pods')).map(podName);
  t.is((await ok('scale', 'deployment', 'ms-bye-dep', '--replicas=0')).trim(), 'deployment.apps/ms-bye-dep scaled');
  await waitFor('ms-bye pods gone', async () => (await podsMatching(s, 'app=ms-bye-pods')).length === 0, 30_000);
  t.is((await ok('scale', 'deployment', 'ms-bye-dep', '--replicas=2')).trim(), 'deployment.apps/ms-bye-dep scaled');
  const fresh = await readyPods(s, 'app=ms-bye-pods', 2);
  t.false(fresh.some((p) => old.includes(podName(p))));
  const env = (await ok('exec', podName(fresh[0]!), '--', 'printenv')).split('\n');
  for (const line of [`MS_HELLO_SVC_SERVICE_HOST=${helloIP}`, 'MS_HELLO_SVC_SERVICE_PORT=17', `MS_BYE_SVC_SERVICE_HOST=${byeIP}`, 'MS_BYE_SVC_SERVICE_PORT=19', 'KUBERNETES_SERVICE_HOST=10.96.0.1', 'KUBERNETES_SERVICE_PORT=443']) {
    t.true(env.includes(line), line);
  }
  t.true(env.includes(`HOSTNAME=${podName(fresh[0]!)}`));
});

it.serial('kubectl expose --type=NodePort makes a service that kubectl get -w shows and the outside host reaches', async (t) => {
  const watch = spawnKubectl('get', 'svc', '-w');
  let watched = '';
  watch.stdout!.on('data', (d: Buffer) => (watched += d.toString()));
  try {
    await waitFor('kubectl get -w to list the services', () => watched.includes('ms-hello-svc'), 15_000);
    const out = await ok('expose', 'deployment', 'ms-hello-dep', '--name=np-hello-svc', '--port=17', '--target-port=7777', '--type=NodePort');
    t.is(out.trim(), 'service/np-hello-svc exposed');
    const live = await client.get<Service>(types.services, 'np-hello-svc', 'default');
    const nodePort = live.spec.ports![0]!.nodePort!;
    t.true(nodePort >= 30000 && nodePort <= 32767);
    t.deepEqual(live.spec.selector, { app: 'ms-hello-pods' }, 'the deployment selector');
    const [printed] = tables(await ok('get', 'svc', 'np-hello-svc', '-o', 'wide'));
    t.deepEqual(printed!.rows[0]!.filter((_, i) => printed!.header[i] !== 'AGE'), ['np-hello-svc', 'NodePort', live.spec.clusterIP!, '<none>', `17:${nodePort}/TCP`, 'app=ms-hello-pods']);
    await waitFor('the watch to show np-hello-svc', () => /\nnp-hello-svc\s+NodePort\s/.test(watched), 15_000);
    const [cmd, ...args] = hostArgv(name, 'outside', ['curl', '-s', '--max-time', '3', `http://172.18.0.2:${nodePort}/`]);
    const answer = await waitFor('the node port to answer from outside', async () => {
      const r = await execa(cmd!, args, { reject: false });
      return r.exitCode === 0 ? String(r.stdout) : undefined;
    }, 15_000);
    t.is(answer, 'This is the hello world custom node parent');
  } finally {
    watch.kill();
    await watch;
  }
});

it.serial('kubectl apply of a changed Service manifest removes the old port and adds the new ones', async (t) => {
  const changed = manifest('hello-svc-changed.yaml', HELLO_SVC_CHANGED);
  t.is((await ok('apply', '-f', changed)).trim(), 'service/ms-hello-svc configured');
  const live = await client.get<Service>(types.services, 'ms-hello-svc', 'default');
  t.deepEqual(live.spec.ports, [
    { name: 'http', port: 80, protocol: 'TCP', targetPort: 7777 },
    { name: 'alt', port: 8080, protocol: 'TCP', targetPort: 7777 },
  ]);
  const [printed] = tables(await ok('get', 'svc', 'ms-hello-svc'));
  t.is(cell(printed!, printed!.rows[0]!, 'PORT(S)'), '80/TCP,8080/TCP');
  const bye = podName((await podsMatching(s, 'app=ms-bye-pods'))[0]!);
  const reply = await waitFor('the new port to answer', async () => {
    const r = await kubectl('exec', bye, '--', 'curl', '-s', '--max-time', '2', 'ms-hello-svc:8080');
    return r.code === 0 ? r.out : undefined;
  }, 15_000);
  t.is(reply, 'This is the hello world custom node parent');
  t.not((await kubectl('exec', bye, '--', 'curl', '-s', '--max-time', '2', 'ms-hello-svc:17')).code, 0, 'port 17 is gone');
  t.is((await ok('apply', '-f', path.join(dir, 'services.yaml'))).trim(), 'service/ms-bye-svc unchanged\nservice/ms-hello-svc configured');
  t.deepEqual((await client.get<Service>(types.services, 'ms-hello-svc', 'default')).spec.ports, [{ port: 17, protocol: 'TCP', targetPort: 7777 }]);
});

it.serial('kubectl logs -f follows a pod until it is stopped', async (t) => {
  const hello = podName((await podsMatching(s, 'app=ms-hello-pods'))[0]!);
  const byePod = (await podsMatching(s, 'app=ms-bye-pods'))[0]!;
  const follow = spawnKubectl('logs', '-f', hello, '--tail=1');
  let followed = '';
  follow.stdout!.on('data', (d: Buffer) => (followed += d.toString()));
  try {
    await waitFor('the last log line', () => followed.length > 0, 10_000);
    const marker = `/followed-${process.pid}`;
    await waitFor('a request to reach the followed pod', async () => {
      await kubectl('exec', podName(byePod), '--', 'curl', '-s', '--max-time', '2', `ms-hello-svc:17${marker}`);
      return followed.includes(`"GET ${marker} HTTP/1.1"`);
    }, 20_000);
    t.regex(followed, new RegExp(`^${byePod.status!.podIP!.replace(/\./g, '\\.')} .*"GET ${marker} HTTP/1.1"`, 'm'));
    t.is(follow.exitCode, null, 'still following');
  } finally {
    follow.kill();
    await follow;
  }
});

it.serial('errors read as on a real cluster: not found, already exists, invalid, and the exit code of a failed exec', async (t) => {
  const missing = await kubectl('get', 'pod', 'x');
  t.is(missing.code, 1);
  t.is(missing.err.trim(), 'Error from server (NotFound): pods "x" not found');

  const dup = manifest('dup.yaml', SERVICES.split('---\n')[1]!);
  const exists = await kubectl('create', '-f', dup);
  t.is(exists.code, 1);
  t.is(exists.err.trim(), `Error from server (AlreadyExists): error when creating "${dup}": services "ms-hello-svc" already exists`);

  const bad = await kubectl('apply', '-f', manifest('bad.yaml', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: bad-svc\nspec:\n  ports:\n  - port: 0\n    targetPort: 80\n'));
  t.is(bad.code, 1);
  t.is(bad.err.trim(), 'The Service "bad-svc" is invalid: spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive');

  const bye = podName((await podsMatching(s, 'app=ms-bye-pods'))[0]!);
  const failed = await kubectl('exec', bye, '--', 'sh', '-c', 'echo out; echo err >&2; exit 3');
  t.is(failed.code, 3);
  t.is(failed.out, 'out');
  t.is(failed.err.trim(), 'err\ncommand terminated with exit code 3');
});

it.serial('the seed\'s kubectl create deploy nginx and a port-forward to an ms-hello pod work as on a real cluster', async (t) => {
  t.is((await ok('create', 'deployment', 'nginx', '--image=nginx')).trim(), 'deployment.apps/nginx created');
  await readyPods(s, 'app=nginx', 1);
  const hello = podName((await podsMatching(s, 'app=ms-hello-pods'))[0]!);
  const pf = spawnKubectl('port-forward', hello, ':7777');
  try {
    let out = '';
    pf.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const port = await waitFor('port-forward listening', () => /127\.0\.0\.1:(\d+) -> 7777/.exec(out)?.[1], 15_000);
    const body = await (await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(10_000) })).text();
    t.is(body, 'This is the hello world custom node parent');
  } finally {
    pf.kill('SIGINT');
    await pf;
  }
});

it.serial('kubectl delete removes the objects and waits until they are gone', async (t) => {
  const out = await ok('delete', '-f', path.join(dir, 'services.yaml'), '-f', path.join(dir, 'deployments.yaml'));
  t.deepEqual(out.trim().split('\n'), ['service "ms-bye-svc" deleted', 'service "ms-hello-svc" deleted', 'deployment.apps "ms-bye-dep" deleted', 'deployment.apps "ms-hello-dep" deleted']);
  t.deepEqual((await ok('delete', 'svc/np-hello-svc', 'deploy/nginx')).trim().split('\n'), ['service "np-hello-svc" deleted', 'deployment.apps "nginx" deleted']);
  const left = await kubectl('get', 'deploy');
  t.is(left.code, 0);
  t.is(left.err.trim(), 'No resources found in default namespace.');
  await waitFor('every pod gone', async () => (await client.list<Pod>(types.pods, 'default')).items.length === 0, 30_000);
  t.deepEqual(tables(await ok('get', 'svc'))[0]!.rows.map((r) => r[0]), ['kubernetes']);
});
