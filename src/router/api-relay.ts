// The API server as pods see it: a TCP listener on the router's node-network
// address relaying to the API server's TLS unix socket (TLS passthrough: the API
// server itself presents its certificate and verifies client certificates); the
// default/kubernetes Service's endpoint (real clusters reach a control-plane node the same way).
import net from 'node:net';

export function startApiRelay(listen: { host: string; port: number }, tlsSocket: string): net.Server {
  const server = net.createServer((client) => {
    const upstream = net.connect(tlsSocket);
    client.pipe(upstream);
    upstream.pipe(client);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  });
  server.listen(listen.port, listen.host);
  return server;
}
