import test from 'ava';
import { labels, labsOfContainers } from '../../../../src/runtime/docker/engine.js';

test('containers name their lab by label, once per lab; unlabelled containers name none', (t) => {
  const containers: { Labels: Record<string, string> }[] = [
    { Labels: { [labels.lab]: 'l17', [labels.role]: 'node', [labels.node]: 'node1' } },
    { Labels: { [labels.lab]: 'l17', [labels.role]: 'node', [labels.node]: 'node2' } },
    { Labels: { [labels.lab]: 'bench' } },
    { Labels: { 'com.example': 'x' } },
    { Labels: {} },
  ];
  t.deepEqual(labsOfContainers(containers), ['l17', 'bench']);
});
