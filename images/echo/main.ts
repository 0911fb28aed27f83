// lab/echo: TCP and UDP echo; "whoami" answers who served it and who asked,
// which is how tests see whether the client's source address survived the proxy.
import dgram from 'node:dgram';
import net from 'node:net';
import { exitOnStop, listenPort, podIP, podName } from '../lib/pod.js';

const port = listenPort(7);
const pod = podName();
const ip = podIP();
const WHOAMI = Buffer.from('whoami');

const whoami = (address: string, clientPort: number): string => `pod=${pod} ip=${ip} client=${address}:${clientPort}\n`;

// Half-open so an echo (or whoami) still goes out after the client has sent its FIN.
const tcp = net.createServer({ allowHalfOpen: true }, (socket) => {
  const client = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
  console.log(`tcp ${client.address}:${client.port}`);
  socket.on('error', () => socket.destroy());
  let head = Buffer.alloc(0);
  const decide = (): void => {
    socket.off('data', onData);
    socket.off('end', decide);
    if (head.subarray(0, WHOAMI.length).equals(WHOAMI)) {
      socket.end(whoami(client.address, client.port));
      return;
    }
    socket.write(head);
    socket.pipe(socket);
  };
  // Bytes are held back only until they can no longer turn into "whoami".
  const onData = (chunk: Buffer): void => {
    head = Buffer.concat([head, chunk]);
    if (head.length < WHOAMI.length && head.equals(WHOAMI.subarray(0, head.length))) return;
    decide();
  };
  socket.on('data', onData);
  socket.on('end', decide);
});

const udp = dgram.createSocket('udp4');
udp.on('error', (err) => console.error(`udp: ${err.message}`));
udp.on('message', (msg, rinfo) => {
  console.log(`udp ${rinfo.address}:${rinfo.port}`);
  const reply = msg.subarray(0, WHOAMI.length).equals(WHOAMI) ? whoami(rinfo.address, rinfo.port) : msg;
  udp.send(reply, rinfo.port, rinfo.address);
});

exitOnStop();
tcp.listen(port, '0.0.0.0', () => udp.bind(port, '0.0.0.0', () => console.log(`echo: ${pod} listening on ${ip}:${port} tcp+udp`)));
