// The IPVS table as `ipvsadm -Ln` prints it, and the `ipvsadm -R` batch that
// turns one table into the wanted one. Real servers that leave are removed
// gracefully, like kube-proxy's graceful termination manager: weight 0 first
// (no new connections), deleted once their connections are gone; UDP and SCTP
// ones are deleted at once (expire_nodest_conn drops their flows).
import type { L4Protocol } from '../model.js';
import { virtualServerKey, type RealServer, type VirtualServer } from './plan.js';

interface KernelRealServer extends RealServer {
  /** ActiveConn + InActConn; undefined when not read from the kernel since it was programmed. */
  connections?: number;
}

export interface KernelVirtualServer extends Omit<VirtualServer, 'reals'> {
  reals: Map<string, KernelRealServer>;
}

const protocols: Record<string, L4Protocol> = { TCP: 'TCP', UDP: 'UDP', SCTP: 'SCTP' };

/** Parses `ipvsadm -Ln` (numeric listing: services, their flags, real servers with weights and connection counts). */
export function parseIpvsList(text: string): Map<string, KernelVirtualServer> {
  const out = new Map<string, KernelVirtualServer>();
  let current: KernelVirtualServer | undefined;
  for (const line of text.split('\n')) {
    const vs = /^(TCP|UDP|SCTP)\s+(\d+\.\d+\.\d+\.\d+):(\d+)\s+(\S+)(.*)$/.exec(line);
    if (vs) {
      const persistent = /\bpersistent (\d+)/.exec(vs[5]!);
      current = { protocol: protocols[vs[1]!]!, ip: vs[2]!, port: Number(vs[3]), scheduler: vs[4]!, reals: new Map(), ...(persistent ? { persistence: Number(persistent[1]) } : {}) };
      out.set(virtualServerKey(current.protocol, current.ip, current.port), current);
      continue;
    }
    const rs = /^\s+->\s+(\d+\.\d+\.\d+\.\d+):(\d+)\s+\S+\s+(\d+)\s+(\d+)\s+(\d+)/.exec(line);
    if (rs && current) {
      const real = { ip: rs[1]!, port: Number(rs[2]), weight: Number(rs[3]), connections: Number(rs[4]) + Number(rs[5]) };
      current.reals.set(`${real.ip}:${real.port}`, real);
    }
  }
  return out;
}

const serviceFlag: Record<L4Protocol, string> = { TCP: '-t', UDP: '-u', SCTP: '--sctp-service' };

function serviceArgs(vs: Pick<VirtualServer, 'protocol' | 'ip' | 'port'>): string {
  return `${serviceFlag[vs.protocol]} ${vs.ip}:${vs.port}`;
}

function serviceOptions(vs: VirtualServer): string {
  return `-s ${vs.scheduler}${vs.persistence ? ` -p ${vs.persistence}` : ''}`;
}

export interface IpvsChanges {
  /** `ipvsadm -R` input lines. */
  lines: string[];
  /** The table once the lines are applied (draining real servers included, weight 0). */
  next: Map<string, KernelVirtualServer>;
}

/** The batch from `current` to `wanted`. */
export function ipvsChanges(wanted: Map<string, VirtualServer>, current: Map<string, KernelVirtualServer>): IpvsChanges {
  const lines: string[] = [];
  const next = new Map<string, KernelVirtualServer>();
  for (const [key, vs] of current) if (!wanted.has(key)) lines.push(`-D ${serviceArgs(vs)}`);

  for (const [key, vs] of wanted) {
    const have = current.get(key);
    const svc = serviceArgs(vs);
    const reals = new Map<string, KernelRealServer>();
    next.set(key, { ...vs, reals });
    if (!have) lines.push(`-A ${svc} ${serviceOptions(vs)}`);
    else if (have.scheduler !== vs.scheduler || have.persistence !== vs.persistence) lines.push(`-E ${svc} ${serviceOptions(vs)}`);

    for (const [rkey, real] of vs.reals) {
      const had = have?.reals.get(rkey);
      if (!had) lines.push(`-a ${svc} -r ${rkey} -m -w ${real.weight}`);
      else if (had.weight !== real.weight) lines.push(`-e ${svc} -r ${rkey} -m -w ${real.weight}`);
      reals.set(rkey, { ...real });
    }
    for (const [rkey, had] of have?.reals ?? []) {
      if (vs.reals.has(rkey)) continue;
      // Connection counts are known only right after a kernel read; unknown means "maybe busy".
      if (vs.protocol !== 'TCP' || had.connections === 0) {
        lines.push(`-d ${svc} -r ${rkey}`);
      } else {
        if (had.weight !== 0) lines.push(`-e ${svc} -r ${rkey} -m -w 0`);
        reals.set(rkey, { ip: had.ip, port: had.port, weight: 0 });
      }
    }
  }
  return { lines, next };
}
