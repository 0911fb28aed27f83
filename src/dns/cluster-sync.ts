// Keeps a ClusterView in step with the API server through list/watch informers.
import { findType, type ResourceType } from '../api/resources.js';
import type { EndpointSlice, KubeObject, Namespace, Pod, Service } from '../api/types.js';
import type { ApiClient } from '../client/client.js';
import { Informer } from '../client/informer.js';
import type { ClusterView } from './cluster-view.js';

export interface ClusterResourceTypes {
  services: ResourceType;
  endpointSlices: ResourceType;
  pods: ResourceType;
  namespaces: ResourceType;
}

function typeOf(group: string, kind: string, plural: string, namespaced: boolean): ResourceType {
  // The registry may not list every type yet; the informer only needs the path parts.
  return findType(group, 'v1', plural) ?? { group, version: 'v1', kind, plural, singular: kind.toLowerCase(), namespaced };
}

export function clusterResourceTypes(): ClusterResourceTypes {
  return {
    services: typeOf('', 'Service', 'services', true),
    endpointSlices: typeOf('discovery.k8s.io', 'EndpointSlice', 'endpointslices', true),
    pods: typeOf('', 'Pod', 'pods', true),
    namespaces: typeOf('', 'Namespace', 'namespaces', false),
  };
}

function feed<T extends KubeObject>(client: ApiClient, type: ResourceType, upsert: (o: T) => void, remove: (o: T) => void): Informer<T> {
  return new Informer<T>(client, type).on({ add: upsert, update: upsert, delete: remove }).start();
}

/** Starts the informers and resolves once each has delivered its first list; returns a stop function. */
export async function syncClusterView(client: ApiClient, view: ClusterView, types = clusterResourceTypes()): Promise<() => void> {
  const informers = [
    feed<Namespace>(client, types.namespaces, (o) => view.upsertNamespace(o), (o) => view.deleteNamespace(o)),
    feed<Service>(client, types.services, (o) => view.upsertService(o), (o) => view.deleteService(o)),
    feed<EndpointSlice>(client, types.endpointSlices, (o) => view.upsertEndpointSlice(o), (o) => view.deleteEndpointSlice(o)),
    feed<Pod>(client, types.pods, (o) => view.upsertPod(o), (o) => view.deletePod(o)),
  ];
  await Promise.all(informers.map((i) => i.synced));
  return () => informers.forEach((i) => i.stop());
}
