// The API server as pods see it: a TCP listener on the router's node-network
// address relaying to the API server's TLS unix socket (TLS passthrough: the API
// server itself presents its certificate and verifies client certificates); the
// default/kubernetes Service's endpoint (real clusters reach a control-plane node the same way).
// With several API server replicas (a multi-host etcd lab) it is their load balancer:
// each connection goes to the first replica that accepts it.
import net from 'node:net';

/** Connects to the first of sockets that accepts (in order), or fails with the last error. */
function connectFirst(sockets: string[], onReady: (upstream: net.Socket) => void, onFail: () => void, i = 0): void {
  const upstream = net.connect(sockets[i]!);
  const refused = (): void => {
    upstream.destroy();
    if (i + 1 < sockets.length) connectFirst(sockets, onReady, onFail, i + 1);
    else onFail();
  };
  upstream.once('error', refused);
  upstream.once('connect', () => {
    upstream.off('error', refused);
    onReady(upstream);
  });
}

export function startApiRelay(listen: { host: string; port: number }, tlsSockets: string[]): net.Server {
  const server = net.createServer((client) => {
    client.on('error', () => client.destroy());
    client.pause();
    connectFirst(
      tlsSockets,
      (upstream) => {
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
        const close = (): void => {
          client.destroy();
          upstream.destroy();
        };
        client.on('error', close);
        upstream.on('error', close);
        client.on('close', close);
        upstream.on('close', close);
      },
      () => client.destroy(),
    );
  });
  server.listen(listen.port, listen.host);
  return server;
}
