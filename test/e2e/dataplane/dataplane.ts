// The data plane's behaviours with real packets, the same for every proxy mode:
// each mode's test file calls dataplaneTests() and gets its own 3-node lab.
//
//   node1: web1, echo1, client1      node2: web2, web3, client2      node3: zombie, echo2
//
// web1-3 are lab/hello (readiness: no "unready" file, which the tests create in the pod), zombie is a
// lab/hello listening on the wrong port (listed, never answering), echo1-2 lab/echo.
import type { ExecutionContext, TestFn } from 'ava';
import fs from 'node:fs';
import { isReady } from '../../../src/api/conditions.js';
import { types } from '../../../src/api/resources.js';
import type { EndpointSlice, Event, Node, Pod, Service } from '../../../src/api/types.js';
import type { ApiClient } from '../../../src/client/client.js';
import { hostSnapshot } from '../../helpers/host.js';
import { clientFor, componentPid, lab, labName, waitFor } from '../../helpers/lab.js';
import { dockerE2e, e2e } from '../../helpers/root.js';
import { checkLayout, portRef, serviceLeftovers, type Fixture } from './layout.js';
import { dnatTargets, iptablesNames, nftNames, type Mode, type PortRef } from './rules.js';
import { byPod, failures, pods, requests, runOn, whoami, type Answer } from './traffic.js';

const nodes = ['node1', 'node2', 'node3'];
const outside = { host: 'outside' };
const outsideIP = '203.0.113.2';
const webPods = ['web1', 'web2', 'web3'];
const echoPods = ['echo1', 'echo2'];

export async function dataplaneTests(test: TestFn, mode: Mode, prefix: string, runtime: 'netns' | 'docker' = 'netns'): Promise<void> {
  const it = runtime === 'docker' ? await dockerE2e(test) : e2e(test);
  const name = labName(prefix);
  let client: ApiClient;
  let before: string[];
  const f: Fixture = { lab: name, mode, nodes, nodeIP: new Map(), podIP: new Map(), services: new Map(), agentPid: (node) => componentPid(name, `agent-${node}`) };
  // In the pod's own /tmp on docker, the host's on netns: named per lab and pod either way.
  const unready = (pod: string): string => `/tmp/svclab-${name}-unready-${pod}`;
  const setReady = async (pod: string, ready: boolean): Promise<void> => {
    const r = await runOn(name, { pod }, ready ? ['rm', '-f', unready(pod)] : ['touch', unready(pod)]);
    if (r.exitCode !== 0) throw new Error(`marking ${pod} ${ready ? 'ready' : 'unready'}: ${r.stderr}`);
  };

  const hello = (pod: string, node: string, labels: Record<string, string>): Pod =>
    ({
      metadata: { name: pod, labels: { pod, ...labels } },
      spec: {
        nodeName: node,
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'main', image: 'lab/hello', readinessProbe: { exec: { command: ['test', '!', '-e', unready(pod)] }, periodSeconds: 1, failureThreshold: 1, timeoutSeconds: 5 } }],
      },
    }) as Pod;
  const plain = (pod: string, node: string, image: string, labels: Record<string, string> = {}, env: { name: string; value: string }[] = []): Pod =>
    ({ metadata: { name: pod, labels }, spec: { nodeName: node, terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image, env }] } }) as Pod;
  const service = (svc: string, spec: Service['spec']): Service => ({ metadata: { name: svc }, spec: { ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }], ...spec } }) as Service;

  async function refreshServices(): Promise<void> {
    for (const s of (await client.list<Service>(types.services, 'default')).items) f.services.set(s.metadata.name!, s);
  }
  const svc = (svcName: string): Service => f.services.get(svcName)!;
  const ip = (svcName: string): string => svc(svcName).spec.clusterIP!;
  const nodePort = (svcName: string): number => svc(svcName).spec.ports![0]!.nodePort!;
  const lbIP = (svcName: string): string => svc(svcName).status!.loadBalancer!.ingress![0]!.ip!;
  const eps = (podNames: string[], port = 8080): string[] => podNames.map((p) => `${f.podIP.get(p)}:${port}`).sort();

  async function podReady(pod: string, ready = true): Promise<Pod> {
    try {
      return await waitFor(`pod ${pod} ${ready ? 'Ready' : 'not Ready'}`, async () => {
        const p = await client.get<Pod>(types.pods, pod, 'default');
        return p.status?.phase === 'Running' && isReady(p) === ready ? p : undefined;
      }, 30_000);
    } catch (e) {
      const events = await client.list<Event>(types.events, 'default', { fieldSelector: `involvedObject.name=${pod}` });
      throw new Error(`${(e as Error).message}; events: ${events.items.map((ev) => `${ev.reason}: ${ev.message}`).join(' | ')}`);
    }
  }

  /** Ready endpoints ("ip:port") of a service's EndpointSlices. */
  async function sliceEndpoints(svcName: string): Promise<string[]> {
    const slices = await client.list<EndpointSlice>(types.endpointslices, 'default', { labelSelector: `kubernetes.io/service-name=${svcName}` });
    return slices.items.flatMap((s) => s.endpoints.filter((e) => e.conditions?.ready !== false).flatMap((e) => e.addresses.map((a) => `${a}:${s.ports?.[0]?.port}`))).sort();
  }

  /**
   * Waits until every node's rules send the service port to exactly these endpoints (parsing the
   * rules, not timing them). Userspace mode keeps endpoints out of the kernel: there the
   * EndpointSlice must list them and traffic must reach only them.
   */
  async function programmed(p: PortRef, want: string[]): Promise<void> {
    if (mode !== 'userspace') {
      await waitFor(`every node's rules send ${p.name} to ${want.join(' ')}`, async () => {
        for (const node of nodes) if (JSON.stringify(await dnatTargets(name, mode, node, p)) !== JSON.stringify(want)) return false;
        return true;
      }, 30_000, 200);
      return;
    }
    await waitFor(`${p.name}'s EndpointSlice lists ${want.join(' ')}`, async () => JSON.stringify(await sliceEndpoints(p.name)) === JSON.stringify(want), 30_000, 200);
    const wantPods = [...f.podIP].filter(([, podIP]) => want.some((e) => e.startsWith(`${podIP}:`))).map(([pod]) => pod).sort();
    await waitFor(`traffic to ${p.name} reaches exactly ${wantPods.join(' ')}`, async () => JSON.stringify(pods(await requests(name, { pod: 'client1' }, `${p.clusterIP}:${p.port}`, 30))) === JSON.stringify(wantPods), 30_000, 200);
  }

  /** All succeeded, every backend answered, none took more than half. */
  function spread(t: ExecutionContext, answers: Answer[], via: string): void {
    t.deepEqual(failures(answers), [], `${via}: every request succeeds`);
    t.deepEqual(pods(answers), webPods, `${via}: every backend answers`);
    const most = Math.max(...byPod(answers).values());
    t.true(most <= answers.length / 2, `${via}: no backend above 50% (${JSON.stringify([...byPod(answers)])})`);
  }

  it.before(async (t) => {
    before = await hostSnapshot(name);
    const up = await lab(['up', '--name', name, '--nodes', '3', '--proxy-mode', mode, '--runtime', runtime]);
    t.is(up.exitCode, 0, String(up.all));
    client = clientFor(name);
    const podList = [
      hello('web1', 'node1', { app: 'web', flaky: 'yes' }),
      hello('web2', 'node2', { app: 'web', flaky: 'yes' }),
      hello('web3', 'node2', { app: 'web' }),
      // Listed as an endpoint (no readiness probe) but listening elsewhere: every connection to it is refused.
      plain('zombie', 'node3', 'lab/hello', { flaky: 'yes' }, [{ name: 'PORT', value: '9999' }]),
      plain('echo1', 'node1', 'lab/echo', { app: 'echo' }),
      plain('echo2', 'node3', 'lab/echo', { app: 'echo' }),
      plain('client1', 'node1', 'lab/toolbox'),
      plain('client2', 'node2', 'lab/toolbox'),
    ];
    const services = [
      service('web', { type: 'LoadBalancer', selector: { app: 'web' } }),
      service('web-local', { type: 'LoadBalancer', selector: { app: 'web' }, externalTrafficPolicy: 'Local' }),
      service('web-internal', { selector: { app: 'web' }, internalTrafficPolicy: 'Local' }),
      service('sticky', { selector: { app: 'web' }, sessionAffinity: 'ClientIP' }),
      service('empty', { selector: { app: 'nobody' } }),
      service('self', { selector: { pod: 'web1' } }),
      service('flaky', { selector: { flaky: 'yes' } }),
      service('echo', {
        selector: { app: 'echo' },
        ports: [
          { name: 'tcp', port: 7, targetPort: 7, protocol: 'TCP' },
          { name: 'udp', port: 7, targetPort: 7, protocol: 'UDP' },
        ],
      }),
    ];
    await Promise.all([...podList.map((p) => client.create(types.pods, p, 'default')), ...services.map((s) => client.create(types.services, s, 'default'))]);
    for (const p of podList) f.podIP.set(p.metadata.name!, (await podReady(p.metadata.name!)).status!.podIP!);
    for (const n of (await client.list<Node>(types.nodes)).items) f.nodeIP.set(n.metadata.name!, n.status!.addresses!.find((a) => a.type === 'InternalIP')!.address);
    await waitFor('LoadBalancer addresses', async () => {
      await refreshServices();
      return !!svc('web').status?.loadBalancer?.ingress?.length && !!svc('web-local').status?.loadBalancer?.ingress?.length;
    });
    await programmed(portRef(svc('web')), eps(webPods));
    await waitFor('the LoadBalancer IP answers from outside', async () => failures(await requests(name, outside, lbIP('web'), 1)).length === 0, 30_000, 200);
  });

  it.after.always(async (t) => {
    client?.close();
    for (const p of [...webPods, 'web4']) fs.rmSync(unready(p), { force: true });
    const down = await lab(['down', '--name', name]);
    t.is(down.exitCode, 0, String(down.all));
    t.deepEqual(await hostSnapshot(name), before, 'lab down leaves the host exactly as before');
  });

  it.serial('from a pod, 300 requests to a 3-endpoint cluster IP reach all 3 backends, none above 50%', async (t) => {
    spread(t, await requests(name, { pod: 'client1' }, `${ip('web')}:80`, 300), 'cluster IP');
  });

  it.serial("from outside, every node's nodePort (also nodes without a local endpoint) and the LoadBalancer IP spread over all 3 backends", async (t) => {
    for (const node of nodes) spread(t, await requests(name, outside, `${f.nodeIP.get(node)}:${nodePort('web')}`, 300), `${node}:${nodePort('web')}`);
    spread(t, await requests(name, outside, lbIP('web'), 300), `LoadBalancer ${lbIP('web')}`);
  });

  it.serial('session affinity ClientIP keeps a client on one backend; switching to None spreads at once', async (t) => {
    for (const pod of ['client1', 'client2']) {
      const answers = await requests(name, { pod }, `${ip('sticky')}:80`, 30);
      t.deepEqual(failures(answers), []);
      t.is(pods(answers).length, 1, `${pod}: 30 consecutive requests, one backend (${pods(answers).join(' ')})`);
    }
    await client.patch(types.services, 'sticky', { spec: { sessionAffinity: 'None', sessionAffinityConfig: null } }, 'default');
    // The affinity timeout is 3 hours: spreading within seconds means the switch took effect, not an expiry.
    const spreadOut = await waitFor('requests spread once affinity is None', async () => {
      const answers = await requests(name, { pod: 'client1' }, `${ip('sticky')}:80`, 30);
      return pods(answers).length > 1 ? answers : undefined;
    }, 15_000, 200);
    t.deepEqual(failures(spreadOut), []);
  });

  // IPVS keeps a persistence template while its connections sit in TIME_WAIT (2 minutes, fixed in the kernel):
  // the timeout cannot be seen expiring in a test-sized wait, as on a real kube-proxy IPVS node.
  const expiry = mode === 'ipvs' ? it.serial.skip : it.serial;
  expiry('ClientIP affinity expires after timeoutSeconds of silence, then the client is balanced again', async (t) => {
    const timeoutSeconds = 3;
    await client.patch(types.services, 'sticky', { spec: { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds } } } }, 'default');
    await refreshServices();
    const pinned = await waitFor('30 consecutive requests on one backend', async () => {
      const answers = await requests(name, { pod: 'client1' }, `${ip('sticky')}:80`, 30);
      return failures(answers).length === 0 && pods(answers).length === 1 ? pods(answers)[0] : undefined;
    }, 15_000, 200);
    // After each silence longer than the timeout the next request is balanced afresh: with 3 backends
    // a different one answers within a few rounds (all 8 landing on the same one: (1/3)^8).
    const seen = [pinned];
    for (let round = 0; round < 8 && seen.every((p) => p === pinned); round++) {
      await new Promise((r) => setTimeout(r, (timeoutSeconds + 1) * 1000));
      const [a] = await requests(name, { pod: 'client1' }, `${ip('sticky')}:80`, 1);
      t.is(a!.exit, 0);
      seen.push(a!.pod ?? 'no answer');
    }
    t.true(seen.some((p) => p !== pinned), `after the timeout another backend answers (answers: ${seen.join(' ')})`);
  });

  // A userspace proxy socket cannot keep the client's address, and upstream's userspace proxier never
  // implemented externalTrafficPolicy Local: the lab says so instead of pretending.
  const etpLocal = mode === 'userspace' ? it.serial.skip : it.serial;
  if (mode === 'userspace') console.log('userspace mode: externalTrafficPolicy Local is not supported (as in upstream kube-proxy userspace mode); its test is skipped');
  etpLocal("externalTrafficPolicy Local keeps the outside client's IP and only uses node-local endpoints; Cluster masquerades", async (t) => {
    const np = nodePort('web-local');
    const via1 = await requests(name, outside, `${f.nodeIP.get('node1')}:${np}`, 30);
    t.deepEqual(failures(via1), []);
    t.deepEqual(pods(via1), ['web1'], 'node1 uses its own endpoint only');
    t.deepEqual([...new Set(via1.map((a) => a.client))], [outsideIP], 'the backend sees the real client IP');
    const via2 = await requests(name, outside, `${f.nodeIP.get('node2')}:${np}`, 30);
    t.deepEqual(failures(via2), []);
    t.deepEqual(pods(via2), ['web2', 'web3']);
    t.deepEqual([...new Set(via2.map((a) => a.client))], [outsideIP]);
    const via3 = await requests(name, outside, `${f.nodeIP.get('node3')}:${np}`, 1, 3);
    t.not(via3[0]!.exit, 0, 'node3 has no local endpoint: it does not forward');
    t.is(via3[0]!.pod, undefined);
    const viaLb = await requests(name, outside, lbIP('web-local'), 30);
    t.deepEqual(failures(viaLb), [], 'the load balancer only sends to nodes with a local endpoint');
    t.deepEqual([...new Set(viaLb.map((a) => a.client))], [outsideIP]);
    const cluster = await requests(name, outside, `${f.nodeIP.get('node3')}:${nodePort('web')}`, 30);
    t.deepEqual(failures(cluster), []);
    t.deepEqual([...new Set(cluster.map((a) => a.client))], [f.nodeIP.get('node3')], 'with Cluster the backend sees the node that masqueraded');
  });

  it.serial('internalTrafficPolicy Local: a pod only reaches endpoints on its own node', async (t) => {
    const from1 = await requests(name, { pod: 'client1' }, `${ip('web-internal')}:80`, 60);
    t.deepEqual(failures(from1), []);
    t.deepEqual(pods(from1), ['web1']);
    const from2 = await requests(name, { pod: 'client2' }, `${ip('web-internal')}:80`, 60);
    t.deepEqual(failures(from2), []);
    t.deepEqual(pods(from2), ['web2', 'web3']);
  });

  it.serial("an unready pod leaves every node's rules and traffic continues on the others; ready again, it comes back", async (t) => {
    const web = portRef(svc('web'));
    await setReady('web3', false);
    t.teardown(() => setReady('web3', true));
    await podReady('web3', false);
    await programmed(web, eps(['web1', 'web2']));
    const answers = await requests(name, { pod: 'client1' }, `${web.clusterIP}:80`, 100);
    t.deepEqual(failures(answers), []);
    t.deepEqual(pods(answers), ['web1', 'web2']);
    await setReady('web3', true);
    await podReady('web3');
    await programmed(web, eps(webPods));
    t.true(pods(await requests(name, { pod: 'client1' }, `${web.clusterIP}:80`, 60)).includes('web3'));
  });

  it.serial("a deleted pod leaves every node's rules and traffic continues on the others", async (t) => {
    const web = portRef(svc('web'));
    await client.create(types.pods, hello('web4', 'node3', { app: 'web' }), 'default');
    t.teardown(() => client.delete(types.pods, 'web4', 'default').then(() => undefined, () => undefined));
    f.podIP.set('web4', (await podReady('web4')).status!.podIP!);
    await programmed(web, eps([...webPods, 'web4']));
    await client.delete(types.pods, 'web4', 'default');
    await programmed(web, eps(webPods));
    const answers = await requests(name, { pod: 'client1' }, `${web.clusterIP}:80`, 100);
    t.deepEqual(failures(answers), []);
    t.deepEqual(pods(answers), webPods);
  });

  const retries = mode === 'userspace';
  it.serial(
    retries
      ? 'a dead endpoint that is still listed costs nothing in userspace mode: the proxy retries the next endpoint'
      : `a dead endpoint that is still listed makes some requests fail in ${mode} mode: the kernel cannot retry`,
    async (t) => {
      t.true((await sliceEndpoints('flaky')).includes(`${f.podIP.get('zombie')}:8080`), 'the zombie is a ready endpoint');
      const inRules = await dnatTargets(name, mode, 'node1', portRef(svc('flaky')));
      if (inRules) t.deepEqual(inRules, eps(['web1', 'web2', 'zombie']));
      const answers = await requests(name, { pod: 'client1' }, `${ip('flaky')}:80`, 60);
      t.deepEqual(pods(answers), ['web1', 'web2']);
      if (retries) t.deepEqual(failures(answers), [], 'every request succeeds');
      else {
        t.true(failures(answers).length > 0, 'requests sent to the zombie fail');
        t.deepEqual([...new Set(failures(answers))], [7], 'refused (curl exit 7)');
      }
    },
  );

  it.serial('a service with no endpoints refuses connections at once (ECONNREFUSED), it does not time out', async (t) => {
    const r = await runOn(name, { pod: 'client1' }, ['curl', '-sS', '--max-time', '5', `http://${ip('empty')}/`]);
    t.is(r.exitCode, 7, `curl exit 7 (failed to connect), not 28 (timeout): ${r.stderr}`);
    const nc = await runOn(name, { pod: 'client1' }, ['nc', '-z', '-v', '-w', '5', ip('empty'), '80']);
    t.regex(nc.stderr, /Connection refused/);
  });

  it.serial('a pod reaches itself through its own service (hairpin)', async (t) => {
    const answers = await requests(name, { pod: 'web1' }, `${ip('self')}:80`, 10);
    t.deepEqual(failures(answers), []);
    t.deepEqual(pods(answers), ['web1']);
  });

  it.serial('UDP reaches lab/echo through a cluster IP; the same port on TCP and UDP are two endpoints of one service', async (t) => {
    const echo = svc('echo');
    const udp = await whoami(name, 'client1', 'udp', echo.spec.clusterIP!, 7, 20);
    t.true(udp.every((a) => /^pod=echo[12] /.test(a)), udp.join('\n'));
    t.deepEqual([...new Set(udp.map((a) => a.split(' ')[0]))].sort(), ['pod=echo1', 'pod=echo2'], 'UDP is balanced over both pods');
    const tcp = await whoami(name, 'client1', 'tcp', echo.spec.clusterIP!, 7, 10);
    t.true(tcp.every((a) => /^pod=echo[12] /.test(a)), tcp.join('\n'));
    const slices = (await client.list<EndpointSlice>(types.endpointslices, 'default', { labelSelector: 'kubernetes.io/service-name=echo' })).items;
    t.deepEqual(slices.flatMap((s) => (s.ports ?? []).map((p) => `${p.name}/${p.protocol}/${p.port}`)).sort(), ['tcp/TCP/7', 'udp/UDP/7']);
    for (const i of [0, 1]) {
      const inRules = await dnatTargets(name, mode, 'node1', portRef(echo, i));
      if (inRules) t.deepEqual(inRules, eps(echoPods, 7), `${echo.spec.ports![i]!.protocol} rules`);
    }
  });

  it.serial("the node's rules follow kube-proxy's reference layout", async (t) => {
    await refreshServices();
    await checkLayout(t, f, webPods, echoPods);
  });

  it.serial("lab rules prints a service's live rules on a node, with per-endpoint packet counters where the kernel picks", async (t) => {
    // Traffic of its own just before: a rewritten chain (a readiness flap on a loaded machine) starts its counters at 0.
    await programmed(portRef(svc('web')), eps(webPods));
    t.deepEqual(pods(await requests(name, { pod: 'client1' }, `${ip('web')}:80`, 60)), webPods);
    const r = await lab(['rules', '--name', name, 'node1', 'default/web']);
    t.is(r.exitCode, 0, String(r.all));
    const out = String(r.stdout);
    const web = portRef(svc('web'));
    const expected: Record<Mode, string> = {
      iptables: `-j ${iptablesNames(web).svc}`,
      nftables: `chain ${nftNames(web).service} {`,
      'nftables-maps': `${web.clusterIP} . tcp . ${web.port} : goto endpoints-3`,
      userspace: `-A KUBE-PORTALS-CONTAINER -d ${web.clusterIP}/32`,
      ipvs: `${web.clusterIP}:${web.port}`,
    };
    t.true(out.includes(expected[mode]), out);
    t.false(out.includes('default/empty'), 'only the asked service');
    // Every endpoint got some of the connections sent from client1 on node1 so far.
    if (mode === 'iptables') for (const ep of eps(webPods)) t.regex(out, new RegExp(`^default/web \\(tcp\\)\\s+${ep.replaceAll('.', '\\.')}\\s+KUBE-SEP-\\S+\\s+[1-9]\\d*\\s`, 'm'), out);
    if (mode === 'nftables-maps') {
      for (const ep of eps(webPods)) t.regex(out, new RegExp(`^default/web \\(tcp\\)\\s+${web.clusterIP.replaceAll('.', '\\.')} \\. tcp \\. 80 \\. \\d\\s+${ep.replaceAll('.', '\\.')}\\s+cluster-endpoints\\s+[1-9]\\d*\\s`, 'm'), out);
    }
  });

  it.serial('deleting every service leaves only the base chains on every node', async (t) => {
    const all = (await client.list<Service>(types.services)).items;
    await Promise.all(all.map((s) => client.delete(types.services, s.metadata.name!, s.metadata.namespace)));
    const left = async (): Promise<string[]> => (await Promise.all(nodes.map(async (n) => (await serviceLeftovers(f, n)).map((l) => `${n}: ${l}`)))).flat();
    // nftables deletes flushed chains in a later sync (upstream waits 1 s; the periodic resync is 30 s).
    await waitFor('no per-service rules left', async () => (await left()).length === 0, 45_000, 500).catch(() => undefined);
    t.deepEqual(await left(), []);
  });
}
