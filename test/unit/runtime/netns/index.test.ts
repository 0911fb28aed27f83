import test from 'ava';
import { labsOfNamespaces } from '../../../../src/runtime/netns/index.js';

test("a lab's namespaces name it once, dashes in the lab name kept; other namespaces name no lab", (t) => {
  const namespaces = [
    'svclab-l17-switch',
    'svclab-l17-router',
    'svclab-l17-node1',
    'svclab-l17-pod-0b9f2c1e',
    'svclab-demo-seeds-external',
    'svclab-demo-seeds-outside',
    'svclab-trace', // no role suffix: not a lab's
    'svclab-x-node', // "node" without a number
    'cni-1234',
    'other-l17-switch',
  ];
  t.deepEqual(labsOfNamespaces(namespaces).sort(), ['demo-seeds', 'l17']);
  t.deepEqual(labsOfNamespaces([]), []);
});

test("a multi-host lab's host, transit and extra switch namespaces name it too", (t) => {
  t.deepEqual(labsOfNamespaces(['svclab-mh-host1', 'svclab-mh-host2', 'svclab-mh-transit', 'svclab-mh-switch2']), ['mh']);
  t.deepEqual(labsOfNamespaces(['svclab-x-host', 'svclab-x-switchy']), []);
});
