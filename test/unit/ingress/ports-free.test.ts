import test from 'ava';
import net from 'node:net';
import { portsFree } from '../../../src/ingress/nginx.js';

test("portsFree waits until a port held by someone else (an old sandbox's nginx) is released, and no longer", async (t) => {
  const holder = net.createServer();
  await new Promise<void>((r) => holder.listen(0, '0.0.0.0', r));
  const port = (holder.address() as net.AddressInfo).port;
  setTimeout(() => holder.close(), 300);
  const start = Date.now();
  await portsFree([port], 5000);
  const waited = Date.now() - start;
  t.true(waited >= 250, `returned after ${waited} ms, while the port was still held`);
  t.true(waited < 4000, `returned only after ${waited} ms`);
  // Free now: the probe itself must not keep it.
  const again = net.createServer();
  await new Promise<void>((resolve, reject) => again.once('error', reject).listen(port, '0.0.0.0', resolve));
  again.close();
});
