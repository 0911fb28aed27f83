import test from 'ava';
import { types } from '../../../src/api/resources.js';
import { microTimestamp, type Lease } from '../../../src/api/types.js';
import { LeaderElector } from '../../../src/controllers/leader-election.js';
import { startApiServer } from '../../helpers/apiserver.js';

const lease = { namespace: 'kube-system', name: 'kube-controller-manager', leaseDurationMs: 1000, renewDeadlineMs: 600, retryPeriodMs: 100, log: () => undefined };

test('one candidate leads; another takes over only once the leader stopped renewing for a lease duration; a restarted leader with its identity takes it back at once', async (t) => {
  const api = await startApiServer(t);
  const a = new LeaderElector(api.client, { ...lease, identity: 'a' });
  const b = new LeaderElector(api.client, { ...lease, identity: 'b' });
  t.true(await a.tryAcquireOrRenew());
  t.false(await b.tryAcquireOrRenew());
  const now = Date.now();
  t.false(await b.tryAcquireOrRenew(now + 500), 'the lease is still young');
  t.true(await a.tryAcquireOrRenew(now + 600), 'the leader renews');
  t.false(await b.tryAcquireOrRenew(now + 1200), 'b saw the renewal: it counts from then');
  t.true(await b.tryAcquireOrRenew(now + 2300), 'a stopped renewing: b takes over');
  const held = await api.client.get<Lease>(types.leases, 'kube-controller-manager', 'kube-system');
  t.is(held.spec?.holderIdentity, 'b');
  t.is(held.spec?.leaseTransitions, 1);
  t.true(await new LeaderElector(api.client, { ...lease, identity: 'b' }).tryAcquireOrRenew(), 'b restarted');
});

test('run() calls onLead once leading, and onLost once another holds the Lease past the renew deadline', async (t) => {
  const api = await startApiServer(t);
  const a = new LeaderElector(api.client, { ...lease, identity: 'a' });
  let led = false;
  const lost = new Promise<void>((resolve) => void a.run(() => void (led = true), resolve));
  while (!led) await new Promise((r) => setTimeout(r, 20));
  // An intruder keeps writing the Lease as its own: a's renewals lose every race, and a gives up.
  const intrude = async (): Promise<void> => {
    const l = await api.client.get<Lease>(types.leases, 'kube-controller-manager', 'kube-system');
    await api.client.update(types.leases, { ...l, spec: { ...l.spec, holderIdentity: 'intruder', renewTime: microTimestamp() } });
  };
  const keepTaking = setInterval(() => void intrude().catch(() => undefined), 30);
  t.teardown(() => clearInterval(keepTaking));
  await lost;
  clearInterval(keepTaking);
  t.is((await api.client.get<Lease>(types.leases, 'kube-controller-manager', 'kube-system')).spec?.holderIdentity, 'intruder');
});
