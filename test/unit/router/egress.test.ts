import test from 'ava';
import { egressDecision } from '../../../src/router/egress.js';

const nodes = new Set(['172.18.0.2', '172.18.0.3']);

test("only a Node's address on the kubelet port is reachable", (t) => {
  t.deepEqual(egressDecision('172.18.0.3:10250', nodes), { allow: true, host: '172.18.0.3', port: 10250 });
  t.deepEqual(egressDecision('172.18.0.3:22', nodes), { allow: false, code: 403, message: 'egress to 172.18.0.3:22 refused: only kubelets (port 10250) are reachable' });
  t.deepEqual(egressDecision('172.18.0.1:10250', nodes), { allow: false, code: 403, message: "egress to 172.18.0.1:10250 refused: 172.18.0.1 is not a Node's address" });
  t.like(egressDecision('10.244.3.5:10250', nodes), { allow: false, code: 403 });
});

test('a target that is not IP:PORT is a bad request', (t) => {
  t.like(egressDecision('example.com:10250', nodes), { allow: false, code: 400 });
  t.like(egressDecision('/containerLogs', nodes), { allow: false, code: 400 });
});
