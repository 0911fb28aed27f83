// Puts an API server together: store, registry with every strategy,
// subresources, system namespaces and the namespace finalizer.
import path from 'node:path';
import { types } from '../api/resources.js';
import { authorizerFor } from './auth/modes.js';
import { reviewHandlers } from './auth/reviews.js';
import { ensureBootstrapPolicy } from './bootstrap/policy.js';
import { ServiceAllocations } from './allocators/service-allocations.js';
import { startAllocationRepair } from './allocators/repair.js';
import { converge } from './converge.js';
import { ensureKubernetesService, type Advertise } from './kubernetes-service.js';
import { endpointSliceStrategy, endpointsStrategy } from './strategies/endpoints.js';
import { ingressClassStrategy, ingressStrategy } from './strategies/ingress.js';
import { serviceStrategy } from './strategies/service.js';
import { ensureSystemNamespaces, startNamespaceFinalizer } from './namespaces.js';
import { Registry } from './registry.js';
import { ApiServer } from './server.js';
import { EtcdStore } from './etcd/store.js';
import { Store, type ObjectStore, type StoreOptions } from './store.js';
import { strategies } from './strategies/index.js';
import { bindingHandler } from './subresources/binding.js';
import { scaleHandler } from './subresources/scale.js';
import { logHandler, streamUpgrade } from './subresources/kubelet-proxy.js';
import { proxyHandler } from './subresources/proxy.js';
import { kubeletDialer, type KubeletEgress } from './subresources/kubelet-dial.js';
import { tokenRequestHandler } from './subresources/token.js';
import { serviceAccountAdmission } from './admission/serviceaccount.js';
import { admissionChain } from './admission/plugins.js';
import { authenticator } from './auth/authenticate.js';
import { serviceAccountVerifier, TokenIssuer } from './auth/serviceaccount.js';
import type { UserInfo } from './auth/user.js';
import { podStrategy } from './strategies/pod.js';

export interface AssembleOptions extends StoreOptions {
  stateDir: string;
  /** kube-apiserver's --etcd-servers: keep objects in etcd instead of the embedded store. */
  etcdServers?: string[];
  etcdTls?: { ca: Buffer; cert: Buffer; key: Buffer };
  /** Directory of the node agents' kubelet sockets (<node>.sock), for logs, exec, attach, port-forward and the proxy. */
  kubeletSocketDir?: string;
  /** Kubelets of other machines: TLS to <node IP>:10250 through this HTTP-CONNECT proxy (upstream's egress selector). */
  kubeletEgress?: KubeletEgress;
  serviceCIDR?: string;
  nodePortRange?: { min: number; max: number };
  /** Where pods reach the API server: the default/kubernetes service's endpoint. */
  advertise?: Advertise;
  /** --authorization-mode: "RBAC", "AlwaysAllow" (the default, as upstream's), or a comma-separated chain. */
  authorizationMode?: string;
  /** --enable-admission-plugins: "NodeRestriction", or none (the default). */
  admissionPlugins?: string;
  /** Authentication (client certificates always count once TLS serves them); without it every request is the lab admin's. */
  auth?: AuthOptions;
}

export interface AuthOptions {
  /** Static bearer tokens (--token-auth-file). */
  tokens?: Map<string, UserInfo>;
  /** ServiceAccount tokens: issued by TokenRequest, verified on every request; turns on the ServiceAccount admission. */
  serviceAccounts?: { signingKeyPem: string; publicKeyPem: string; issuer: string };
  log?: (line: string) => void;
}

export async function assemble(opts: AssembleOptions): Promise<{ store: ObjectStore; registry: Registry; server: ApiServer; allocations: ServiceAllocations }> {
  const store = opts.etcdServers?.length ? await EtcdStore.open({ endpoints: opts.etcdServers, tls: opts.etcdTls, historySize: opts.historySize }) : new Store(path.join(opts.stateDir, 'store'), opts);
  const registry = new Registry(store);
  for (const s of strategies) registry.register(s);
  const config = { serviceCIDR: opts.serviceCIDR ?? '10.96.0.0/12', nodePortRange: opts.nodePortRange ?? { min: 30000, max: 32767 } };
  // On etcd, other API servers may share the store: allocations are keys in it, checked by a repair loop.
  const allocations = ServiceAllocations.on(store, config);
  await startAllocationRepair(store, allocations);
  registry.register(serviceStrategy(allocations, config));
  registry.register(endpointsStrategy);
  registry.register(endpointSliceStrategy);
  registry.register(ingressStrategy(store));
  registry.register(ingressClassStrategy);
  await converge(store, () => ensureSystemNamespaces(registry));
  await converge(store, () => ensureBootstrapPolicy(registry));
  const advertise = opts.advertise;
  if (advertise) await converge(store, () => ensureKubernetesService(registry, advertise, config.serviceCIDR));
  startNamespaceFinalizer(registry);
  const server = new ApiServer(registry);
  server.authorizer = authorizerFor(opts.authorizationMode ?? 'AlwaysAllow', store);
  server.admission = admissionChain(opts.admissionPlugins ?? '', store);
  for (const [key, handler] of Object.entries(reviewHandlers)) server.reviews.set(key, handler);
  if (opts.auth) await enableAuthentication(server, registry, store, opts.auth);
  server.subresources.set('core/pods/binding', bindingHandler(registry));
  server.subresources.set('apps/deployments/scale', scaleHandler(registry, types.deployments));
  server.subresources.set('apps/replicasets/scale', scaleHandler(registry, types.replicasets));
  if (opts.kubeletSocketDir) {
    const dial = kubeletDialer(registry, opts.kubeletSocketDir, opts.kubeletEgress);
    server.subresources.set('core/pods/log', logHandler(registry, dial));
    server.proxy = proxyHandler(registry, dial);
    for (const sub of ['exec', 'attach', 'portforward']) {
      server.upgrades.set(`core/pods/${sub}`, (r, req, socket, head, query) => void streamUpgrade(dial, registry, r, req, socket, head, query).catch(() => socket.destroy()));
    }
  }
  return { store, registry, server, allocations };
}

async function enableAuthentication(server: ApiServer, registry: Registry, store: ObjectStore, auth: AuthOptions): Promise<void> {
  const sa = auth.serviceAccounts;
  const lookup = (type: string, key: string) => store.get(type, key);
  const verify = sa && (await serviceAccountVerifier({ publicKeyPem: sa.publicKeyPem, issuer: sa.issuer, audiences: [sa.issuer], lookup }));
  server.authenticate = authenticator({ tokens: auth.tokens, serviceAccounts: sa && verify ? { issuer: sa.issuer, verify } : undefined, lookup, log: auth.log });
  if (!sa) return;
  server.subresources.set('core/serviceaccounts/token', tokenRequestHandler(registry, await TokenIssuer.fromPem(sa.signingKeyPem, sa.issuer)));
  registry.register({ ...podStrategy, admit: serviceAccountAdmission(store) });
}
