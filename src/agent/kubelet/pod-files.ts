// /etc/resolv.conf and /etc/hosts as kubelet writes them (reference/dns-and-kubelet.md).
import type { Pod } from '../../api/types.js';

export interface DnsSettings {
  clusterDNS: string;
  clusterDomain: string;
  /** The node's own resolv.conf, for dnsPolicy Default. */
  nodeResolvConf: string;
}

export function podHostname(pod: Pod): string {
  return (pod.spec.hostname ?? pod.metadata.name ?? '').slice(0, 63).replace(/[-.]+$/, '');
}

export function resolvConf(pod: Pod, dns: DnsSettings): string {
  const policy = pod.spec.dnsPolicy ?? 'ClusterFirst';
  const ns = pod.metadata.namespace ?? 'default';
  let servers: string[] = [];
  let searches: string[] = [];
  let options: string[] = [];
  if (policy === 'ClusterFirst' || (policy === 'ClusterFirstWithHostNet' && pod.spec.hostNetwork)) {
    servers = [dns.clusterDNS];
    searches = [`${ns}.svc.${dns.clusterDomain}`, `svc.${dns.clusterDomain}`, dns.clusterDomain];
    options = ['ndots:5'];
  } else if (policy === 'Default' || policy === 'ClusterFirstWithHostNet') {
    for (const line of dns.nodeResolvConf.split('\n')) {
      const [key, ...rest] = line.trim().split(/\s+/);
      if (key === 'nameserver' && rest[0]) servers.push(rest[0]);
      if (key === 'search') searches = rest;
      if (key === 'options') options = rest;
    }
  }
  // dnsConfig merges into whatever the policy produced; with None it is all there is.
  const cfg = pod.spec.dnsConfig;
  if (cfg) {
    servers = [...servers, ...(cfg.nameservers ?? [])];
    searches = [...searches, ...(cfg.searches ?? [])];
    const byName = new Map(options.map((o) => [o.split(':')[0]!, o]));
    for (const o of cfg.options ?? []) byName.set(o.name, o.value !== undefined ? `${o.name}:${o.value}` : o.name);
    options = [...byName.values()];
  }
  servers = [...new Set(servers)].slice(0, 3);
  searches = [...new Set(searches)].slice(0, 32);
  const lines = servers.map((s) => `nameserver ${s}`);
  if (searches.length) lines.push(`search ${searches.join(' ')}`);
  if (options.length) lines.push(`options ${options.join(' ')}`);
  return lines.join('\n') + '\n';
}

export function hostsFile(pod: Pod, podIP: string, clusterDomain: string): string {
  const lines = [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
  ];
  const host = podHostname(pod);
  const sub = pod.spec.subdomain;
  lines.push(sub ? `${podIP}\t${host}.${sub}.${pod.metadata.namespace}.svc.${clusterDomain}\t${host}` : `${podIP}\t${host}`);
  if (pod.spec.hostAliases?.length) {
    lines.push('', '# Entries added by HostAliases.');
    for (const a of pod.spec.hostAliases) lines.push(`${a.ip}\t${a.hostnames.join('\t')}`);
  }
  return lines.join('\n') + '\n';
}
