import test from 'ava';
import { containerSecurity, DEFAULT_CAPS, setprivArgs } from '../../../../../src/agent/kubelet/cri/security.js';

const ref = { pod: 'web_default(u1)', container: 'main' };
const bounding = (caps: string[]): string => ['-all', ...caps.map((c) => `+${c.toLowerCase()}`)].join(',');
const sorted = (caps: string[]): string[] => [...caps].sort();

test("without a securityContext: root, Docker's default capabilities, no_new_privs", (t) => {
  const s = containerSecurity(undefined, undefined, ref);
  t.deepEqual(sorted(s.caps), sorted(DEFAULT_CAPS));
  t.like(s, { privileged: false, noNewPrivs: true, uid: undefined, gid: undefined, groups: [] });
  t.deepEqual(setprivArgs(s), ['setpriv', '--no-new-privs', '--inh-caps', '-all', '--bounding-set', bounding(s.caps), '--']);
});

test("the container's runAsUser/runAsGroup win over the pod's; a user alone gets group 0, plus the pod's groups", (t) => {
  const pod = { runAsUser: 2000, runAsGroup: 3000, supplementalGroups: [4000], fsGroup: 5000 };
  t.like(containerSecurity(pod, { runAsUser: 1000 }, ref), { uid: 1000, gid: 3000, groups: [4000, 5000] });
  t.like(containerSecurity(pod, { runAsGroup: 7 }, ref), { uid: 2000, gid: 7 });
  const alone = containerSecurity(undefined, { runAsUser: 1000 }, ref);
  t.like(alone, { uid: 1000, gid: 0 });
  t.deepEqual(setprivArgs(alone).slice(-7), ['--regid', '0', '--reuid', '1000', '--groups', '0', '--']);
  t.deepEqual(setprivArgs(containerSecurity(pod, {}, ref)).slice(-7), ['--regid', '3000', '--reuid', '2000', '--groups', '3000,4000,5000', '--']);
});

test('capabilities: add and drop by name (with or without CAP_), ALL, unknown names refused', (t) => {
  const s = containerSecurity(undefined, { capabilities: { add: ['NET_ADMIN', 'cap_sys_time'], drop: ['NET_RAW'] } }, ref);
  t.true(s.caps.includes('NET_ADMIN') && s.caps.includes('SYS_TIME'));
  t.false(s.caps.includes('NET_RAW'));
  t.deepEqual(containerSecurity(undefined, { capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } }, ref).caps, ['NET_BIND_SERVICE']);
  t.is(containerSecurity(undefined, { capabilities: { add: ['ALL'] } }, ref).caps.length, 41);
  t.throws(() => containerSecurity(undefined, { capabilities: { add: ['NET_WIZARD'] } }, ref), { message: 'unknown capability "NET_WIZARD"' });
});

test('no_new_privs: off for allowPrivilegeEscalation true, privileged or CAP_SYS_ADMIN, as upstream', (t) => {
  t.false(containerSecurity(undefined, { allowPrivilegeEscalation: true }, ref).noNewPrivs);
  t.true(containerSecurity(undefined, { allowPrivilegeEscalation: false }, ref).noNewPrivs);
  t.false(containerSecurity(undefined, { capabilities: { add: ['SYS_ADMIN'] } }, ref).noNewPrivs);
  const priv = containerSecurity(undefined, { privileged: true }, ref);
  t.like(priv, { privileged: true, noNewPrivs: false });
  t.deepEqual(setprivArgs(priv), [], 'privileged root: nothing to change');
  t.deepEqual(setprivArgs(containerSecurity(undefined, { privileged: true, runAsUser: 1000 }, ref)), ['setpriv', '--regid', '0', '--reuid', '1000', '--groups', '0', '--']);
});

test('runAsNonRoot refuses a root or unknown user with upstream wording', (t) => {
  t.throws(() => containerSecurity({ runAsNonRoot: true }, {}, ref), { message: 'container has runAsNonRoot and image will run as root (pod: "web_default(u1)", container: main)' });
  t.throws(() => containerSecurity({ runAsNonRoot: true, runAsUser: 0 }, {}, ref), { message: /runAsUser breaks non-root policy/ });
  t.like(containerSecurity({ runAsNonRoot: true }, { runAsUser: 1000 }, ref), { uid: 1000 });
});
