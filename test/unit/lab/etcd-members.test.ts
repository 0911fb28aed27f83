import test from 'ava';
import { initialCluster } from '../../../src/lab/etcd-members.js';

test("--initial-cluster from MemberAdd's answer: the new member (no name yet) under its own name", (t) => {
  const members = [
    { name: 'control-plane', peerURLs: ['https://192.0.2.10:2380'] },
    { name: '', peerURLs: ['https://192.0.2.20:2380'] },
  ];
  t.is(initialCluster(members, 'b'), 'control-plane=https://192.0.2.10:2380,b=https://192.0.2.20:2380');
});
