// The API server as pods see it: a TCP listener on the router's node-network
// address relaying to the API server's TLS unix socket (TLS passthrough: the API
// server itself presents its certificate and verifies client certificates); the
// default/kubernetes Service's endpoint (real clusters reach a control-plane node the same way).
// With plainSocket, a connection that does not start with a TLS handshake goes to the
// plain-HTTP socket instead, where it is anonymous: the transition for pods that cannot
// see their projected token yet (netns pods before the pod sandbox).
import net from 'node:net';

const tlsHandshake = 0x16;

export interface RelayTargets {
  tlsSocket: string;
  plainSocket?: string;
}

export function startApiRelay(listen: { host: string; port: number }, targets: RelayTargets): net.Server {
  const server = net.createServer((client) => {
    client.on('error', () => client.destroy());
    client.once('readable', () => {
      const first = client.read(1) as Buffer | null;
      if (!first) return void client.destroy();
      client.unshift(first);
      const target = first[0] === tlsHandshake ? targets.tlsSocket : targets.plainSocket;
      if (!target) return void client.destroy();
      const upstream = net.connect(target);
      client.pipe(upstream);
      upstream.pipe(client);
      const close = (): void => {
        client.destroy();
        upstream.destroy();
      };
      upstream.on('error', close);
      client.on('close', close);
      upstream.on('close', close);
    });
  });
  server.listen(listen.port, listen.host);
  return server;
}
