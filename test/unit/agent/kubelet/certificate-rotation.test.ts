import test, { type ExecutionContext } from 'ava';
import { execa } from 'execa';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CertificateRotation, rotationDeadline, type Credentials } from '../../../../src/agent/kubelet/certificate-rotation.js';
import { FakeClock } from '../../../helpers/fake-clock.js';
import { tempDir } from '../../../helpers/tmp.js';

const day = 86_400_000;

/** A real certificate (openssl) valid from now for `days`. */
async function certificate(t: ExecutionContext, days: number): Promise<Credentials> {
  const dir = tempDir(t);
  const [key, cert] = [path.join(dir, 'k.pem'), path.join(dir, 'c.pem')];
  await execa('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-subj', '/CN=system:node:node1', '-days', String(days)], { env: { OPENSSL_CONF: '/dev/null' } });
  return { cert: fs.readFileSync(cert), key: fs.readFileSync(key) };
}

const notBefore = (c: Credentials): number => Date.parse(new crypto.X509Certificate(c.cert).validFrom);

test("the renewal is due after 70% to 90% of the certificate's lifetime (upstream's jittered deadline)", async (t) => {
  const c = await certificate(t, 10);
  t.is(rotationDeadline(c.cert, () => 0), notBefore(c) + 7 * day);
  t.is(rotationDeadline(c.cert, () => 1), notBefore(c) + 9 * day);
});

test('a certificate is renewed at its deadline and not before; the new one is put to use and its own deadline (beyond one timer) is met too', async (t) => {
  const [first, second] = [await certificate(t, 10), await certificate(t, 100)];
  const clock = new FakeClock(notBefore(first));
  const applied: Credentials[] = [];
  let renewals = 0;
  const rotation = new CertificateRotation({ current: first, renew: async () => (renewals++, second), apply: (c) => applied.push(c), clock, random: () => 0.5 });
  t.teardown(() => rotation.stop());
  await clock.advance(8 * day - 1000);
  t.is(renewals, 0);
  await clock.advance(1000);
  t.is(renewals, 1);
  t.deepEqual(applied, [second]);
  // The 100-day certificate is due 80 days after its start: more than setTimeout can wait at once.
  t.is(rotation.deadline, notBefore(second) + 80 * day);
  await clock.advance(rotation.deadline - clock.now() - 1000);
  t.is(renewals, 1);
  await clock.advance(1000);
  t.is(renewals, 2);
});

test('a failed renewal keeps the running pair and is retried after 1 s, 2 s, 4 s', async (t) => {
  const [first, second] = [await certificate(t, 10), await certificate(t, 10)];
  const clock = new FakeClock(notBefore(first) + 7 * day);
  const applied: Credentials[] = [];
  const errors: string[] = [];
  const tries: number[] = [];
  const rotation = new CertificateRotation({
    current: first,
    renew: async () => {
      tries.push(clock.now());
      if (tries.length < 4) throw new Error(`the API is away (${tries.length})`);
      return second;
    },
    apply: (c) => applied.push(c),
    onError: (e) => errors.push((e as Error).message),
    clock,
    random: () => 0,
  });
  t.teardown(() => rotation.stop());
  await clock.advance(10_000);
  const start = notBefore(first) + 7 * day;
  t.deepEqual(tries.map((x) => x - start), [0, 1000, 3000, 7000]);
  t.deepEqual(errors, ['the API is away (1)', 'the API is away (2)', 'the API is away (3)']);
  t.deepEqual(applied, [second]);
});

test('a pair the server refuses is reported and asked for again; a stopped rotation renews nothing', async (t) => {
  const [first, second] = [await certificate(t, 10), await certificate(t, 10)];
  const clock = new FakeClock(notBefore(first) + 9 * day);
  const errors: string[] = [];
  let renewals = 0;
  let refuse = true;
  const rotation = new CertificateRotation({
    current: first,
    renew: async () => (renewals++, second),
    apply: () => {
      if (refuse) throw new Error('key values mismatch');
    },
    onError: (e) => errors.push((e as Error).message),
    clock,
    random: () => 0.5,
  });
  await clock.advance(0);
  t.deepEqual(errors, ['key values mismatch']);
  refuse = false;
  await clock.advance(1000);
  t.is(renewals, 2);
  rotation.stop();
  await clock.advance(30 * day);
  t.is(renewals, 2);
});

test('a renewed certificate that is already due (short-lived, or a skewed clock) waits the least interval: renewals never loop', async (t) => {
  const c = await certificate(t, 10);
  const clock = new FakeClock(notBefore(c) + 9.5 * day);
  let renewals = 0;
  const rotation = new CertificateRotation({ current: c, renew: async () => (renewals++, c), apply: () => undefined, clock, random: () => 0 });
  t.teardown(() => rotation.stop());
  await clock.advance(0);
  t.is(renewals, 1);
  t.is(rotation.deadline, clock.now() + 60_000);
  await clock.advance(10 * 60_000);
  t.is(renewals, 11);
});
