import test from 'ava';
import { getCondition, isReady, readyCondition } from '../../../src/api/conditions.js';
import type { Node, Pod } from '../../../src/api/types.js';

const pod = (conditions?: { type: string; status: 'True' | 'False' | 'Unknown' }[]): Pod => ({ metadata: { name: 'p' }, spec: { containers: [] }, status: conditions ? { conditions } : undefined });

test('a pod is Ready only with a Ready condition that is True', (t) => {
  t.true(isReady(pod([{ type: 'ContainersReady', status: 'False' }, { type: 'Ready', status: 'True' }])));
  t.false(isReady(pod([{ type: 'Ready', status: 'False' }])));
  t.false(isReady(pod([{ type: 'Ready', status: 'Unknown' }])));
  t.false(isReady(pod([{ type: 'ContainersReady', status: 'True' }])));
  t.false(isReady(pod()));
  t.false(isReady(undefined));
});

test("a node's Ready condition, whole, and any other condition by type", (t) => {
  const ready = { type: 'Ready', status: 'Unknown' as const, reason: 'NodeStatusUnknown' };
  const node: Node = { metadata: { name: 'n' }, status: { conditions: [{ type: 'MemoryPressure', status: 'False' }, ready] } };
  t.is(readyCondition(node), ready);
  t.false(isReady(node));
  t.is(getCondition(node, 'MemoryPressure')?.status, 'False');
  t.is(getCondition(node, 'DiskPressure'), undefined);
});
