import test from 'ava';
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

test('every connection is relayed byte for byte to the TLS socket (TLS passthrough)', async (t) => {
  const dir = tempDir(t);
  const server = await target(path.join(dir, 'tls.sock'), 'tls');
  const r = startApiRelay({ host: '127.0.0.1', port: 0 }, [path.join(dir, 'tls.sock')]);
  await new Promise((resolve) => r.once('listening', resolve));
  t.teardown(() => [r, server].forEach((s) => s.close()));
  const port = (r.address() as net.AddressInfo).port;
  t.is(await firstAnswer(port, Buffer.from([0x16, 3, 1, 0])), 'tls:22');
  t.is(await firstAnswer(port, Buffer.from('GET / HTTP/1.1\r\n\r\n')), `tls:${'G'.charCodeAt(0)}`);
});

test('with several replicas, a connection goes to the first one that accepts it', async (t) => {
  const dir = tempDir(t);
  const second = await target(path.join(dir, 'b.sock'), 'b');
  const r = startApiRelay({ host: '127.0.0.1', port: 0 }, [path.join(dir, 'a.sock'), path.join(dir, 'b.sock')]);
  await new Promise((resolve) => r.once('listening', resolve));
  t.teardown(() => [r, second].forEach((s) => s.close()));
  const port = (r.address() as net.AddressInfo).port;
  t.is(await firstAnswer(port, Buffer.from([0x16])), 'b:22', 'a is down: b answers');
  const first = await target(path.join(dir, 'a.sock'), 'a');
  t.teardown(() => first.close());
  t.is(await firstAnswer(port, Buffer.from([0x16])), 'a:22', 'a is back: it answers again');
});
