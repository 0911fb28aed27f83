// What a pod worker needs from its kubelet: the node, the container runtime, the API.
import type { Container, Pod, PodStatus } from '../../api/types.js';
import type { EnvResult } from './env.js';
import type { DnsSettings } from './pod-files.js';
import type { PodRuntime } from './cri/cri.js';
import type { VolumeSources } from './volumes.js';

export interface EventSink {
  event(obj: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export interface KubeletContext {
  nodeName: string;
  nodeIP: string;
  dns: DnsSettings;
  runtime: PodRuntime;
  events: EventSink;
  /** The container's environment: base variables, service links, envFrom, then its own env; throws ContainerConfigError. */
  containerEnv(pod: Pod, container: Container, base: Record<string, string>): Promise<EnvResult>;
  /** What projected volumes are made of: bound tokens, ConfigMaps. */
  volumeSources: VolumeSources;
  patchStatus(pod: Pod, status: PodStatus): Promise<void>;
  /** The kubelet's last word on a pod: DELETE with grace 0, guarded by uid. */
  finalDelete(pod: Pod): Promise<void>;
}
