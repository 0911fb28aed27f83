// A three-namespace rig for real packets: a client, a "node" holding the proxy
// rules, and a "pods" namespace whose addresses are the endpoints, served by a
// tiny server that answers "<its address> <the client address it saw>" over
// TCP, and with its address over UDP (one socket per address, so replies leave
// from the address that was asked).
//
//   client 192.168.77.2 --- 192.168.77.1 node 10.244.1.1 --- 10.244.1.10-12 pods
import type { ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import type { NodeInfo } from '../../../src/agent/proxy/model.js';
import { sysctls } from '../../../src/net/ip.js';
import { netns, sh } from './netns.js';

export interface Rig {
  client: string;
  node: string;
  pods: string;
  nodeInfo: NodeInfo;
  endpointIPs: string[];
  port: number;
}

const server = `
const net = require('net');
const dgram = require('dgram');
for (const ip of process.argv.slice(1)) {
  const s = dgram.createSocket('udp4');
  s.on('message', (m, from) => s.send(ip, from.port, from.address));
  s.bind(8080, ip);
}
net.createServer((c) => c.end(c.localAddress + ' ' + c.remoteAddress + '\\n')).listen(8080, '0.0.0.0', () => console.log('ready'));
`;

const udpClient = `
const s = require('dgram').createSocket('udp4');
const [host, port, sourcePort] = process.argv.slice(1);
const timer = setTimeout(() => { console.log('ETIMEDOUT'); process.exit(0); }, 3000);
s.on('message', (m) => { clearTimeout(timer); console.log(m.toString()); s.close(); });
s.bind(Number(sourcePort), () => s.send('who', Number(port), host));
`;

const client = `
const net = require('net');
const [host, port, count] = process.argv.slice(1);
const once = () => new Promise((resolve) => {
  const c = net.connect({ host, port: Number(port), timeout: 5000 });
  let data = '';
  c.on('data', (d) => (data += d));
  c.on('end', () => resolve({ reply: data.trim() }));
  c.on('timeout', () => { c.destroy(); resolve({ error: 'ETIMEDOUT' }); });
  c.on('error', (e) => resolve({ error: e.code }));
});
(async () => {
  const out = [];
  for (let i = 0; i < Number(count); i++) out.push(await once());
  console.log(JSON.stringify(out));
})();
`;

export async function buildRig(t: ExecutionContext<unknown>): Promise<Rig> {
  const [clientNs, nodeNs, podsNs] = [await netns(t), await netns(t), await netns(t)];
  const endpointIPs = ['10.244.1.10', '10.244.1.11', '10.244.1.12'];
  await sh('ip', ['-n', clientNs, 'link', 'add', 'c0', 'type', 'veth', 'peer', 'name', 'n0', 'netns', nodeNs]);
  await sh('ip', ['-n', podsNs, 'link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'n1', 'netns', nodeNs]);
  const batch = (ns: string, lines: string[]) => sh('ip', ['-n', ns, '-batch', '-'], `${lines.join('\n')}\n`);
  await batch(clientNs, ['addr add 192.168.77.2/24 dev c0', 'link set c0 up', 'route add 10.96.0.0/12 via 192.168.77.1']);
  // The node's default route makes unanswered service IPs reach the FORWARD chain (and its REJECT rules), as on a real node.
  await batch(nodeNs, ['addr add 192.168.77.1/24 dev n0', 'link set n0 up', 'addr add 10.244.1.1/24 dev n1', 'link set n1 up', 'route add default via 10.244.1.254 dev n1']);
  await batch(podsNs, [...endpointIPs.map((ip) => `addr add ${ip}/24 dev p0`), 'link set p0 up', 'route add default via 10.244.1.1']);
  await sysctls(nodeNs, { 'net.ipv4.ip_forward': 1 });

  const child = spawn('ip', ['netns', 'exec', podsNs, process.execPath, '-e', server, ...endpointIPs], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => void child.kill('SIGKILL'));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.on('exit', (code) => reject(new Error(`endpoint server exited with ${code}`)));
  });
  return {
    client: clientNs,
    node: nodeNs,
    pods: podsNs,
    nodeInfo: { name: 'node1', ips: ['192.168.77.1'], podCIDR: '10.244.1.0/24', clusterCIDR: '10.244.0.0/16' },
    endpointIPs,
    port: 8080,
  };
}

export interface Attempt {
  /** "<endpoint address> <source address the endpoint saw>" */
  reply?: string;
  error?: string;
}

/** count sequential TCP connections from the client namespace. */
export async function connect(rig: Rig, host: string, port: number, count: number): Promise<Attempt[]> {
  return JSON.parse(await sh('ip', ['netns', 'exec', rig.client, process.execPath, '-e', client, host, String(port), String(count)])) as Attempt[];
}

/** One UDP datagram from a fixed source port; the endpoint address that answered, or ETIMEDOUT. */
export async function askUdp(rig: Rig, host: string, port: number, sourcePort: number): Promise<string> {
  return (await sh('ip', ['netns', 'exec', rig.client, process.execPath, '-e', udpClient, host, String(port), String(sourcePort)])).trim();
}
