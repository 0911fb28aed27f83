// Real-shaped cluster objects, a DNS server on a free loopback port, and three
// ways to ask it: the real dig binary, dns-packet over UDP and over TCP.
import type { ExecutionContext } from 'ava';
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket, { type Answer, type DecodedPacket, type Packet, type RecordType } from 'dns-packet';
import type { EndpointSlice, Namespace, Pod, Service, ServicePort, SliceEndpoint } from '../../../src/api/types.js';
import { ClusterView } from '../../../src/dns/cluster-view.js';
import { ClusterZone } from '../../../src/dns/cluster-zone.js';
import { AnswerEngine } from '../../../src/dns/engine.js';
import { Forwarder } from '../../../src/dns/forwarder.js';
import { encodeMessage } from '../../../src/dns/message.js';
import { DnsServer } from '../../../src/dns/server.js';
import { StaticZone } from '../../../src/dns/static-zone.js';

export const namespace = (name: string): Namespace => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

export function service(name: string, spec: Service['spec'], ns = 'default'): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns, uid: `uid-${ns}-${name}` }, spec: { type: 'ClusterIP', sessionAffinity: 'None', ...spec } };
}

export const clusterIP = (name: string, ip: string, ports: ServicePort[], ns = 'default'): Service =>
  service(name, { clusterIP: ip, clusterIPs: [ip], ports, selector: { app: name } }, ns);

export const headless = (name: string, ports: ServicePort[], extra: Partial<Service['spec']> = {}, ns = 'default'): Service =>
  service(name, { clusterIP: 'None', clusterIPs: ['None'], ports, selector: { app: name }, ...extra }, ns);

export const externalName = (name: string, target: string, ns = 'default'): Service => service(name, { type: 'ExternalName', externalName: target }, ns);

export function endpoint(ip: string, opts: { ready?: boolean; hostname?: string; pod?: string } = {}): SliceEndpoint {
  return {
    addresses: [ip],
    conditions: { ready: opts.ready ?? true, serving: opts.ready ?? true, terminating: false },
    ...(opts.hostname ? { hostname: opts.hostname } : {}),
    ...(opts.pod ? { targetRef: { kind: 'Pod', namespace: 'default', name: opts.pod } } : {}),
    nodeName: 'node-1',
  };
}

export function slice(svc: string, endpoints: SliceEndpoint[], ports: { name?: string; port: number; protocol?: 'TCP' | 'UDP' }[], ns = 'default', suffix = 'abcde'): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${svc}-${suffix}`, namespace: ns, labels: { 'kubernetes.io/service-name': svc, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } },
    addressType: 'IPv4',
    endpoints,
    ports: ports.map((p) => ({ protocol: 'TCP', ...p })),
  };
}

export function pod(name: string, spec: Partial<Pod['spec']>, ip: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'app', image: 'busybox' }], ...spec },
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] },
  };
}

/** The lab's cluster: the seed's ms-hello-svc and friends. */
export function seedCluster(view = new ClusterView()): ClusterView {
  for (const ns of ['default', 'kube-system', 'other']) view.upsertNamespace(namespace(ns));
  view.upsertService(clusterIP('kubernetes', '10.96.0.1', [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }]));
  view.upsertService(clusterIP('kube-dns', '10.96.0.10', [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }], 'kube-system'));
  view.upsertService(clusterIP('ms-hello-svc', '10.96.126.57', [{ port: 17, protocol: 'TCP', targetPort: 7777 }]));
  view.upsertEndpointSlice(slice('ms-hello-svc', [endpoint('172.17.0.10'), endpoint('172.17.0.11')], [{ port: 7777 }]));
  view.upsertService(clusterIP('multi', '10.96.10.10', [
    { name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 },
    { name: 'https', port: 443, protocol: 'TCP', targetPort: 8443 },
    { name: 'dns', port: 53, protocol: 'UDP', targetPort: 5353 },
  ]));
  view.upsertService(service('dual', { clusterIP: '10.96.20.20', clusterIPs: ['10.96.20.20', 'fd00:10:96::20'], ipFamilies: ['IPv4', 'IPv6'], ports: [{ port: 80 }] }));
  view.upsertService(clusterIP('empty', '10.96.30.30', [{ name: 'http', port: 80, protocol: 'TCP' }]));
  // headless-hello-svc: 2 ready endpoints and 1 unready, one with a stable hostname (StatefulSet style).
  view.upsertService(headless('headless-hello-svc', [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 7777 }]));
  view.upsertEndpointSlice(slice('headless-hello-svc', [
    endpoint('172.17.0.10', { hostname: 'web-0' }),
    endpoint('172.17.0.11'),
    endpoint('172.17.0.12', { ready: false }),
  ], [{ name: 'http', port: 7777 }]));
  view.upsertService(headless('tolerant', [{ name: 'http', port: 80 }], { publishNotReadyAddresses: true }));
  view.upsertEndpointSlice(slice('tolerant', [endpoint('172.17.1.1'), endpoint('172.17.1.2', { ready: false })], [{ name: 'http', port: 8080 }]));
  view.upsertService(headless('nobody-ready', [{ name: 'http', port: 80 }]));
  view.upsertEndpointSlice(slice('nobody-ready', [endpoint('172.17.2.1', { ready: false })], [{ name: 'http', port: 80 }]));
  view.upsertService(externalName('ext-db', 'my.database.example.com'));
  view.upsertService(headless('big', [{ name: 'http', port: 80 }]));
  view.upsertEndpointSlice(slice('big', Array.from({ length: 100 }, (_, i) => endpoint(`10.244.${1 + Math.floor(i / 50)}.${10 + (i % 50)}`)), [{ name: 'http', port: 80 }]));
  return view;
}

export const upstreamRecords = {
  'my.database.example.com': 'A 203.0.113.10',
  'www.example.com': ['CNAME my.database.example.com'],
  'example.com': ['TXT "outside world"'],
};

export interface Running {
  port: number;
  view: ClusterView;
  engine: AnswerEngine;
  server: DnsServer;
}

/** Starts a server on 127.0.0.1 (static mode when `records` is given), stopped when the test ends. */
export async function startDns(t: ExecutionContext<unknown>, opts: { view?: ClusterView; records?: Record<string, string | string[]>; upstreamPort?: number; upstreamTimeoutMs?: number; ttl?: number } = {}): Promise<Running> {
  const view = opts.view ?? seedCluster();
  const forwarder = opts.upstreamPort ? new Forwarder({ host: '127.0.0.1', port: opts.upstreamPort }, { timeoutMs: opts.upstreamTimeoutMs ?? 2000 }) : undefined;
  const zones = opts.records ? [new StaticZone(opts.records, opts.ttl ?? 300)] : [new ClusterZone(view, { ttl: opts.ttl })];
  const engine = new AnswerEngine({ zones, forwarder });
  const server = new DnsServer(engine, { host: '127.0.0.1', port: 0 });
  const { port } = await server.listen();
  t.teardown(async () => {
    forwarder?.close();
    await server.close();
  });
  return { port, view, engine, server };
}

export interface DigRecord {
  name: string;
  ttl: number;
  type: string;
  data: string;
}

export interface DigResult {
  status: string;
  flags: string[];
  answer: DigRecord[];
  authority: DigRecord[];
  additional: DigRecord[];
  output: string;
}

/** Parses dig's default output (the end-to-end tests run dig inside pods and parse it here too). */
export function parseDig(stdout: string): DigResult {
  const result: DigResult = { status: '', flags: [], answer: [], authority: [], additional: [], output: stdout };
  let section: DigRecord[] | undefined;
  for (const line of stdout.split('\n')) {
    const status = /status: (\w+)/.exec(line);
    if (status) result.status = status[1]!;
    const flags = /^;; flags: ([^;]*);/.exec(line);
    if (flags) result.flags = flags[1]!.trim().split(/\s+/);
    if (line.startsWith(';; ANSWER SECTION')) section = result.answer;
    else if (line.startsWith(';; AUTHORITY SECTION')) section = result.authority;
    else if (line.startsWith(';; ADDITIONAL SECTION')) section = result.additional;
    else if (!line.trim() || line.startsWith(';')) section = line.trim() ? section : undefined;
    else if (section) {
      const [rname, ttl, , rtype, ...data] = line.split(/\s+/);
      section.push({ name: rname!, ttl: Number(ttl), type: rtype!, data: data.join(' ') });
    }
  }
  return result;
}

/** Runs the real dig and parses its default output. */
export function dig(port: number, name: string, type: string, ...options: string[]): Promise<DigResult> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/dig', ['@127.0.0.1', '-p', String(port), ...[name, type].filter(Boolean), '+tries=1', '+time=3', ...options], (err, stdout) => {
      if (err && !stdout) return reject(err);
      resolve(parseDig(stdout));
    });
  });
}

export function query(name: string, type: RecordType | string, opts: { id?: number; udpSize?: number; flags?: number } = {}): Packet {
  return {
    type: 'query',
    id: opts.id ?? Math.floor(Math.random() * 65536),
    flags: opts.flags ?? dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type: type as RecordType, class: 'IN' }],
    additionals: opts.udpSize ? [{ name: '.', type: 'OPT', udpPayloadSize: opts.udpSize, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] : [],
  };
}

/** Sends raw bytes over UDP; resolves with the reply, or undefined after `timeoutMs`. */
export function udpRaw(port: number, buf: Buffer, timeoutMs = 1000): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    const finish = (reply: Buffer | undefined): void => {
      clearTimeout(timer);
      socket.close();
      resolve(reply);
    };
    socket.on('message', (msg) => finish(msg));
    socket.on('error', () => finish(undefined));
    socket.send(buf, port, '127.0.0.1');
  });
}

export async function udp(port: number, packet: Packet): Promise<DecodedPacket & { rcode: string }> {
  const reply = await udpRaw(port, dnsPacket.encode(packet), 3000);
  if (!reply) throw new Error('no UDP reply');
  return dnsPacket.decode(reply) as DecodedPacket & { rcode: string };
}

/** Writes framed messages on one TCP connection and collects `expect` framed replies. */
export function tcpRaw(port: number, frames: Buffer[], expect: number, timeoutMs = 3000): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const conn = net.connect(port, '127.0.0.1');
    const replies: Buffer[] = [];
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      conn.destroy();
      resolve(replies);
    }, timeoutMs);
    conn.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    conn.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        replies.push(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
      }
      if (replies.length >= expect) {
        clearTimeout(timer);
        conn.destroy();
        resolve(replies);
      }
    });
    conn.write(Buffer.concat(frames));
  });
}

export async function tcp(port: number, packet: Packet): Promise<DecodedPacket & { rcode: string }> {
  const [reply] = await tcpRaw(port, [dnsPacket.streamEncode(packet)], 1);
  if (!reply) throw new Error('no TCP reply');
  return dnsPacket.decode(reply) as DecodedPacket & { rcode: string };
}

/** Asks the engine directly, no sockets. */
export async function ask(engine: AnswerEngine, name: string, type: string, opts: { udpSize?: number } = {}): Promise<DecodedPacket & { rcode: string }> {
  const reply = await engine.answer(query(name, type, opts));
  return dnsPacket.decode(encodeMessage(reply)) as DecodedPacket & { rcode: string };
}

export const data = (answers: Answer[] | undefined, type?: string): unknown[] =>
  (answers ?? []).filter((a) => !type || a.type === type).map((a) => ('data' in a ? a.data : undefined));
