import test from 'ava';
import { types } from '../../../src/api/resources.js';
import type { Pod, Service } from '../../../src/api/types.js';
import { e2e } from '../../helpers/root.js';
import { byeDeployment, byeHelloServices, helloDeployment } from '../../fixtures/seed-manifests.js';
import { waitFor } from '../../helpers/lab.js';
import { applyYaml, gone, inPod, podsMatching, readyPod, readyPods, useLab } from './lab-session.js';

const it = e2e(test);
const s = useLab(it, 'svcenv', ['--nodes', '2']);

async function env(pod: string, namespace = 'default'): Promise<Map<string, string>> {
  const r = await inPod(s, pod, ['printenv'], namespace);
  return new Map(r.stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]));
}

function withPrefix(vars: Map<string, string>, prefix: string): Record<string, string> {
  return Object.fromEntries([...vars].filter(([k]) => k.startsWith(prefix)).sort());
}

const toolbox = (name: string): Pod => ({ metadata: { name }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'lab/toolbox' }] } }) as Pod;

async function createService(name: string, spec: Service['spec'], namespace = 'default'): Promise<Service> {
  return s.client.create<Service>(types.services, { metadata: { name }, spec } as Service, namespace);
}

it.serial('a pod gets the link variables of every service with a cluster IP that existed when it started, exactly as kubelet writes them', async (t) => {
  const web = await createService('env-web', { ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'dns', port: 53, protocol: 'UDP' }] });
  await createService('env-headless', { clusterIP: 'None', ports: [{ port: 80 }] });
  await createService('env-external', { type: 'ExternalName', externalName: 'example.com' });
  await s.client.create(types.namespaces, { metadata: { name: 'elsewhere' } });
  await createService('env-other-ns', { ports: [{ port: 80 }] }, 'elsewhere');
  await s.client.create(types.pods, toolbox('early'), 'default');
  await readyPod(s, 'early');
  const vars = await env('early');
  const ip = web.spec.clusterIP!;
  t.regex(ip, /^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
  t.deepEqual(withPrefix(vars, 'ENV_'), {
    ENV_WEB_PORT: `tcp://${ip}:80`,
    ENV_WEB_PORT_53_UDP: `udp://${ip}:53`,
    ENV_WEB_PORT_53_UDP_ADDR: ip,
    ENV_WEB_PORT_53_UDP_PORT: '53',
    ENV_WEB_PORT_53_UDP_PROTO: 'udp',
    ENV_WEB_PORT_80_TCP: `tcp://${ip}:80`,
    ENV_WEB_PORT_80_TCP_ADDR: ip,
    ENV_WEB_PORT_80_TCP_PORT: '80',
    ENV_WEB_PORT_80_TCP_PROTO: 'tcp',
    ENV_WEB_SERVICE_HOST: ip,
    ENV_WEB_SERVICE_PORT: '80',
    ENV_WEB_SERVICE_PORT_DNS: '53',
    ENV_WEB_SERVICE_PORT_HTTP: '80',
  }, 'no variables for the headless, the ExternalName or the other namespace service');
  t.deepEqual(withPrefix(vars, 'KUBERNETES_'), {
    KUBERNETES_PORT: 'tcp://10.96.0.1:443',
    KUBERNETES_PORT_443_TCP: 'tcp://10.96.0.1:443',
    KUBERNETES_PORT_443_TCP_ADDR: '10.96.0.1',
    KUBERNETES_PORT_443_TCP_PORT: '443',
    KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
    KUBERNETES_SERVICE_HOST: '10.96.0.1',
    KUBERNETES_SERVICE_PORT: '443',
    KUBERNETES_SERVICE_PORT_HTTPS: '443',
  });
});

it.serial('a service created after the pod started is not in its environment; the recreated pod has it', async (t) => {
  const late = await createService('late', { ports: [{ port: 8080 }] });
  t.deepEqual(withPrefix(await env('early'), 'LATE_'), {});
  await s.client.delete(types.pods, 'early', 'default');
  await gone(s, types.pods, 'early', 'default');
  await s.client.create(types.pods, toolbox('early'), 'default');
  await readyPod(s, 'early');
  const vars = await env('early');
  t.is(vars.get('LATE_SERVICE_HOST'), late.spec.clusterIP);
  t.is(vars.get('LATE_PORT_8080_TCP'), `tcp://${late.spec.clusterIP}:8080`);
  t.is(vars.get('ENV_WEB_SERVICE_PORT_HTTP'), '80', 'the earlier services are still there');
});

it.serial("the seed's pods, started before its services, see only kubernetes; scaled to 0 and back they see both services", async (t) => {
  // In a namespace of its own, away from the services above.
  const ns = 'seed';
  await s.client.create(types.namespaces, { metadata: { name: ns } });
  const deployed = await applyYaml(s, `${byeDeployment}---\n${helloDeployment}`, ns);
  t.is(deployed.exitCode, 0, deployed.output);
  const byePods = await readyPods(s, 'app=ms-bye-pods', 2, 30_000, ns);
  await readyPods(s, 'app=ms-hello-pods', 2, 30_000, ns);
  const applied = await applyYaml(s, byeHelloServices, ns);
  t.is(applied.exitCode, 0, applied.output);
  const serviceLines = (vars: Map<string, string>): string[] => [...vars].filter(([k]) => k.includes('SERVICE')).map(([k, v]) => `${k}=${v}`).sort();
  t.deepEqual(serviceLines(await env(byePods[0]!.metadata.name!, ns)), ['KUBERNETES_SERVICE_HOST=10.96.0.1', 'KUBERNETES_SERVICE_PORT=443', 'KUBERNETES_SERVICE_PORT_HTTPS=443']);

  // kubectl scale deployment ms-bye-dep --replicas=0, then --replicas=2 (and the same for ms-hello-dep)
  for (const d of ['ms-bye', 'ms-hello']) {
    await s.client.patch(types.deployments, `${d}-dep`, { spec: { replicas: 0 } }, ns, 'scale');
    await waitFor(`no ${d} pods`, async () => (await podsMatching(s, `app=${d}-pods`, ns)).length === 0, 30_000);
    await s.client.patch(types.deployments, `${d}-dep`, { spec: { replicas: 2 } }, ns, 'scale');
  }
  const fresh = (await readyPods(s, 'app=ms-bye-pods', 2, 60_000, ns)).filter((p) => !byePods.some((b) => b.metadata.uid === p.metadata.uid));
  t.is(fresh.length, 2, 'both ms-bye pods are new');
  const bye = await s.client.get<Service>(types.services, 'ms-bye-svc', ns);
  const hello = await s.client.get<Service>(types.services, 'ms-hello-svc', ns);
  // The seed's `printenv | grep SERVICE`, with this cluster's IPs.
  t.deepEqual(serviceLines(await env(fresh[0]!.metadata.name!, ns)), [
    'KUBERNETES_SERVICE_HOST=10.96.0.1',
    'KUBERNETES_SERVICE_PORT=443',
    'KUBERNETES_SERVICE_PORT_HTTPS=443',
    `MS_BYE_SVC_SERVICE_HOST=${bye.spec.clusterIP}`,
    'MS_BYE_SVC_SERVICE_PORT=19',
    `MS_HELLO_SVC_SERVICE_HOST=${hello.spec.clusterIP}`,
    'MS_HELLO_SVC_SERVICE_PORT=17',
  ]);
});
