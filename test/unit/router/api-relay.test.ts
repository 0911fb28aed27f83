import test, { type ExecutionContext } from 'ava';
import net from 'node:net';
import path from 'node:path';
import { startApiRelay } from '../../../src/router/api-relay.js';
import { tempDir } from '../../helpers/tmp.js';

/** A unix-socket server that answers every connection with its name and the first bytes it got. */
function target(file: string, name: string): Promise<net.Server> {
  const s = net.createServer((c) => c.once('data', (d: Buffer) => c.end(`${name}:${d[0]}`)));
  return new Promise((resolve) => s.listen(file, () => resolve(s)));
}

function firstAnswer(port: number, send: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1', () => c.write(send));
    let got = '';
    c.on('data', (d: Buffer) => (got += d));
    c.on('close', () => resolve(got));
    c.on('error', () => resolve(got));
  });
}

async function relay(t: ExecutionContext, plain: boolean): Promise<number> {
  const dir = tempDir(t);
  const servers = [await target(path.join(dir, 'tls.sock'), 'tls'), await target(path.join(dir, 'plain.sock'), 'plain')];
  const r = startApiRelay({ host: '127.0.0.1', port: 0 }, { tlsSocket: path.join(dir, 'tls.sock'), plainSocket: plain ? path.join(dir, 'plain.sock') : undefined });
  await new Promise((resolve) => r.once('listening', resolve));
  t.teardown(() => [r, ...servers].forEach((s) => s.close()));
  return (r.address() as net.AddressInfo).port;
}

test('a TLS handshake goes to the TLS socket byte for byte; plain HTTP to the plain socket while the transition relay is on', async (t) => {
  const port = await relay(t, true);
  t.is(await firstAnswer(port, Buffer.from([0x16, 3, 1, 0])), 'tls:22');
  t.is(await firstAnswer(port, Buffer.from('GET / HTTP/1.1\r\n\r\n')), `plain:${'G'.charCodeAt(0)}`);
});

test('without the plain socket, plain HTTP is closed unanswered', async (t) => {
  const port = await relay(t, false);
  t.is(await firstAnswer(port, Buffer.from('GET / HTTP/1.1\r\n\r\n')), '');
  t.is(await firstAnswer(port, Buffer.from([0x16, 3, 1, 0])), 'tls:22');
});
