// What the DNS end-to-end test files share: one lab per file (host snapshot
// before `lab up`, compared after `lab down`), pods to ask from, and the real
// dig run inside them, its output parsed like the unit tests parse it.
import type { TestFn } from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { isReady } from '../../../src/api/conditions.js';
import { types } from '../../../src/api/resources.js';
import type { Pod, Service } from '../../../src/api/types.js';
import type { ApiClient } from '../../../src/client/client.js';
import { exec, type ExecResult } from '../../../src/client/exec.js';
import { adminConnection } from '../../../src/lab/credentials.js';
import { labDir, readState } from '../../../src/lab/state.js';
import { hostSnapshot } from '../../helpers/host.js';
import { clientFor, lab, labName, waitFor } from '../../helpers/lab.js';
import { e2e } from '../../helpers/root.js';
import { parseDig, type DigResult } from '../../unit/dns/fixtures.js';

export interface DnsLab {
  name: string;
  client: ApiClient;
  /** Runs a command in a pod through the API, like kubectl exec. */
  exec(pod: string, command: string[], namespace?: string): Promise<ExecResult>;
  /** Runs the real dig in a pod; +tries=2 +time=2 unless the args say otherwise. */
  dig(pod: string, args: string[], namespace?: string): Promise<DigResult>;
  /** Creates a pod (grace 2 s) and waits until it runs and, unless told otherwise, is Ready. */
  runPod(pod: Pod, opts?: { ready?: boolean }): Promise<Pod>;
  running(pod: string, opts?: { ready?: boolean; namespace?: string }): Promise<Pod>;
  service(name: string, namespace?: string): Promise<Service>;
  /** The host pid of a container's process, from the shim's record in the node's state. */
  containerPid(pod: Pod, container: string): number;
}

/** Registers the before/after hooks of a file's lab on `test` and returns the e2e-wrapped test. */
export function dnsLab(test: TestFn, prefix: string, nodes = 2): [TestFn, DnsLab] {
  const it = e2e(test);
  const name = labName(prefix);
  let before: string[];
  const self: DnsLab = {
    name,
    client: undefined as unknown as ApiClient,
    async exec(pod, command, namespace = 'default') {
      return exec({ ...adminConnection(readState(name)!), namespace, pod, command });
    },
    async dig(pod, args, namespace = 'default') {
      const r = await self.exec(pod, ['dig', '+tries=2', '+time=2', ...args], namespace);
      if (!r.stdout.includes(';; Got answer:')) throw new Error(`dig ${args.join(' ')} in ${pod}: no answer (exit ${r.exitCode}): ${r.stdout}${r.stderr}`);
      return parseDig(r.stdout);
    },
    async runPod(pod, opts) {
      const ns = pod.metadata.namespace ?? 'default';
      await self.client.create(types.pods, { ...pod, spec: { terminationGracePeriodSeconds: 2, ...pod.spec } } as Pod, ns);
      return self.running(pod.metadata.name!, { ...opts, namespace: ns });
    },
    running(pod, opts = {}) {
      const ready = opts.ready ?? true;
      return waitFor(`pod ${pod} Running${ready ? ' and Ready' : ''}`, async () => {
        const p = await self.client.get<Pod>(types.pods, pod, opts.namespace ?? 'default');
        return p.status?.phase === 'Running' && (!ready || isReady(p)) ? p : undefined;
      }, 30_000);
    },
    service(svc, namespace = 'default') {
      return self.client.get<Service>(types.services, svc, namespace);
    },
    containerPid(pod, container) {
      const restart = pod.status!.containerStatuses!.find((c) => c.name === container)!.restartCount;
      return Number(fs.readFileSync(path.join(labDir(name), 'nodes', pod.spec.nodeName!, 'pods', pod.metadata.uid!, 'containers', container, String(restart), 'pid'), 'utf8'));
    },
  };
  it.serial.before(async (t) => {
    before = await hostSnapshot(name);
    const r = await lab(['up', '--name', name, '--nodes', String(nodes)]);
    t.is(r.exitCode, 0, String(r.all));
    self.client = clientFor(name);
  });
  it.after.always(async (t) => {
    self.client?.close();
    await lab(['down', '--name', name]);
    t.deepEqual(await hostSnapshot(name), before);
  });
  return [it, self];
}

/** A toolbox pod (curl, dig, nslookup, busybox) to ask from. */
export function toolbox(name: string, spec: Partial<Pod['spec']> = {}, namespace = 'default'): Pod {
  return { metadata: { name, namespace, labels: { app: name } }, spec: { containers: [{ name: 'main', image: 'lab/toolbox' }], ...spec } };
}

/** `10.244.1.5` -> `10-244-1-5`, the name DNS gives an endpoint without a hostname. */
export const dashed = (ip: string): string => ip.replaceAll('.', '-');

/** The data of the records of one type in a dig section, sorted. */
export const values = (records: { type: string; data: string }[], type: string): string[] =>
  records.filter((r) => r.type === type).map((r) => r.data).sort();

/** dig's own `;; SERVER:` line names the transport it used: (UDP) or (TCP). */
export const transport = (r: DigResult): string | undefined => /^;; SERVER: .* \((UDP|TCP)\)$/m.exec(r.output)?.[1];

/** The SOA dig shows for negative answers of the cluster zone, without the serial. */
export function soaOf(r: DigResult): string | undefined {
  const soa = r.authority.find((a) => a.type === 'SOA');
  return soa && `${soa.name} ${soa.ttl} ${soa.data.replace(/ \d+ 7200 /, ' SERIAL 7200 ')}`;
}
