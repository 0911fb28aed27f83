// The control plane of a multi-host lab on etcd (`lab up --store etcd --hosts N`):
// one etcd member and one API server replica per simulated host. Host 1's replica
// is today's API server (the machine's own namespace: the CLI's 127.0.0.1 port and
// api.sock); host k's runs in host k's namespace with its own sockets. Which of a
// lab's components belong to which host, and how each reaches the API.
import path from 'node:path';
import type { LabPlan } from './plan.js';
import { paths } from './state.js';

export interface ControlPlaneHost {
  /** "host1".. */
  name: string;
  /** The host's transit address: etcd's client and peer URLs. */
  ip: string;
  /** The first host's components keep their single-host names ("apiserver", "etcd"). */
  first: boolean;
}

/**
 * The etcd members this machine's `lab up` makes: one per simulated host, or with --listen on etcd the
 * machine's own, on its listen address (machines that `lab join --control-plane` add theirs).
 */
export function etcdMembers(plan: LabPlan): { name: string; ip: string }[] {
  const hosts = controlPlaneHosts(plan);
  if (hosts.length) return hosts;
  return plan.store === 'etcd' && plan.listen && plan.vxlan ? [{ name: plan.vxlan.host, ip: plan.listen.ip }] : [];
}

/** The hosts that run a control-plane replica: every host of a multi-host etcd lab, else none (one API server, as ever). */
export function controlPlaneHosts(plan: LabPlan): ControlPlaneHost[] {
  if (plan.store !== 'etcd' || !plan.overlay) return [];
  return plan.overlay.hosts.map((h, i) => ({ name: h.name, ip: h.ip, first: i === 0 }));
}

/** A component's name on a host: host 1's keep the single-host name. */
export function onHost(component: string, host: ControlPlaneHost): string {
  return host.first ? component : `${component}-${host.name}`;
}

export const etcdClientPort = 2379;
/** Where host k's API server replica serves HTTPS on its host's address. */
export const apiServerPort = 6443;
export const etcdPeerPort = 2380;

/** The directory of a host's etcd member (its data and local client socket). */
export function memberDir(lab: string, host: ControlPlaneHost): string {
  return path.join(paths.etcd(lab), host.name);
}

/** The API server replica's plain socket on a host (host 1: the lab's api.sock). */
export function replicaSocket(lab: string, host: ControlPlaneHost): string {
  return host.first ? paths.socket(lab) : path.join(path.dirname(paths.socket(lab)), `api-${host.name}.sock`);
}

/** The replica's TLS socket (the router relays kubernetes.default to these). */
export function replicaTlsSocket(lab: string, host: ControlPlaneHost): string {
  return host.first ? paths.tlsSocket(lab) : path.join(path.dirname(paths.tlsSocket(lab)), `api-tls-${host.name}.sock`);
}

/** The API servers a component on host (by name) uses, in order: its own host's replica first, then the others'. */
export function apiServersFrom(plan: LabPlan, host: string | undefined): string[] {
  const hosts = controlPlaneHosts(plan);
  if (hosts.length === 0) return [`unix:${paths.socket(plan.name)}`];
  const own = hosts.findIndex((h) => h.name === host);
  const ordered = own > 0 ? [...hosts.slice(own), ...hosts.slice(0, own)] : hosts;
  return ordered.map((h) => `unix:${replicaSocket(plan.name, h)}`);
}

/** The etcd directories of a lab: one per member, or the single etcd's. */
export function etcdDirs(plan: LabPlan): string[] {
  const hosts = controlPlaneHosts(plan);
  return hosts.length ? hosts.map((h) => memberDir(plan.name, h)) : [paths.etcd(plan.name)];
}
