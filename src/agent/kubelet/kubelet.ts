// The kubelet part of the agent: watches the pods bound to this node and runs
// one PodWorker per pod; on start it adopts the sandboxes an earlier agent left
// and removes those whose pod is gone.
import fs from 'node:fs';
import { types } from '../../api/resources.js';
import type { ConfigMap, KubeObject, Pod, PodStatus, Secret, Service } from '../../api/types.js';
import type { ResourceType } from '../../api/resources.js';
import { isNotFound, type ApiClient } from '../../client/client.js';
import { Informer } from '../../client/informer.js';
import type { KubeletContext, EventSink } from './context.js';
import { containerEnv, type ConfigSource } from './env.js';
import type { DnsSettings } from './pod-files.js';
import { PodWorker } from './pod-worker.js';
import type { PodRuntime } from './cri/cri.js';
import type { SandboxRecord } from './cri/sandbox.js';

export interface KubeletOptions {
  client: ApiClient;
  nodeName: string;
  nodeIP: string;
  runtime: PodRuntime;
  dns: Omit<DnsSettings, 'nodeResolvConf'>;
  events: EventSink;
  /** Services for the environment variables of new containers (when the API serves them). */
  services?: Informer<Service>;
}

export class Kubelet {
  readonly workers = new Map<string, PodWorker>();
  readonly pods: Informer<Pod>;
  private readonly ctx: KubeletContext;

  constructor(o: KubeletOptions) {
    let nodeResolvConf = '';
    try {
      nodeResolvConf = fs.readFileSync('/etc/resolv.conf', 'utf8');
    } catch {
      /* none */
    }
    // Read at container start, as kubelet's "Get" change-detection strategy does.
    const fetch = async <T extends KubeObject>(t: ResourceType, namespace: string, name: string): Promise<T | undefined> => {
      try {
        return await o.client.get<T>(t, name, namespace);
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
    };
    const config: ConfigSource = {
      configMap: (ns, name) => fetch<ConfigMap>(types.configmaps, ns, name),
      secret: (ns, name) => fetch<Secret>(types.secrets, ns, name),
    };
    this.ctx = {
      nodeName: o.nodeName,
      nodeIP: o.nodeIP,
      dns: { ...o.dns, nodeResolvConf },
      runtime: o.runtime,
      events: o.events,
      containerEnv: (pod, c, base) => containerEnv(pod, c, o.services?.list() ?? [], base, config),
      volumeSources: {
        configMap: config.configMap,
        token: async (pod, audience, expirationSeconds) => {
          const body = {
            apiVersion: 'authentication.k8s.io/v1',
            kind: 'TokenRequest',
            spec: { ...(audience ? { audiences: [audience] } : {}), expirationSeconds, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid } },
          };
          const ns = encodeURIComponent(pod.metadata.namespace ?? 'default');
          const r = await o.client.request<{ status: { token: string; expirationTimestamp: string } }>('POST', `/api/v1/namespaces/${ns}/serviceaccounts/${encodeURIComponent(pod.spec.serviceAccountName ?? 'default')}/token`, body);
          return r.status;
        },
      },
      patchStatus: async (pod: Pod, status: PodStatus) => {
        try {
          await o.client.patch(types.pods, pod.metadata.name!, { status }, pod.metadata.namespace, 'status');
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
      },
      finalDelete: async (pod: Pod) => {
        try {
          await o.client.delete(types.pods, pod.metadata.name!, pod.metadata.namespace, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
        } catch (e) {
          if (!isNotFound(e)) console.error(`kubelet: final delete of ${pod.metadata.name}: ${(e as Error).message}`);
        }
      },
    };
    this.pods = new Informer<Pod>(o.client, types.pods, { fieldSelector: `spec.nodeName=${o.nodeName}` });
  }

  async start(): Promise<void> {
    this.pods.on({
      add: (p) => this.sync(p),
      update: (p) => this.sync(p),
      delete: (p) => void this.workers.get(p.metadata.uid!)?.terminate(true).finally(() => this.workers.delete(p.metadata.uid!)),
    });
    this.pods.start();
    await this.pods.synced;
    await this.sweep();
  }

  private sync(pod: Pod): void {
    const uid = pod.metadata.uid!;
    let w = this.workers.get(uid);
    if (!w) {
      if (pod.metadata.deletionTimestamp && !this.ctx.runtime.sandboxes.get(uid)) {
        void this.ctx.finalDelete(pod); // never started here: nothing to stop
        return;
      }
      w = new PodWorker(pod, this.ctx);
      this.workers.set(uid, w);
    }
    w.update(pod);
  }

  /** Sandboxes whose pod no longer exists (deleted while no agent ran): kill and remove. */
  private async sweep(): Promise<void> {
    const live = new Set(this.pods.list().map((p) => p.metadata.uid));
    for (const rec of this.ctx.runtime.sandboxes.list()) {
      if (!live.has(rec.uid)) await this.ctx.runtime.destroySandbox(rec);
    }
  }

  /** The sandboxes of this node's pods (their addresses). */
  sandboxes(): SandboxRecord[] {
    return this.ctx.runtime.sandboxes.list();
  }

  worker(namespace: string, name: string): PodWorker | undefined {
    const pod = this.pods.get(`${namespace}/${name}`);
    return pod ? this.workers.get(pod.metadata.uid!) : undefined;
  }
}
