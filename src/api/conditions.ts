// status.conditions of any object (pods, nodes, deployments, gateways...): the lookups every layer makes.
interface Condition {
  type: string;
  status: string;
}

interface WithConditions<C extends Condition> {
  status?: { conditions?: C[] };
}

/** The condition of this type, if the object reports one. */
export function getCondition<C extends Condition>(obj: WithConditions<C> | undefined, type: string): C | undefined {
  return obj?.status?.conditions?.find((c) => c.type === type);
}

/** The Ready condition of a pod or a node. */
export function readyCondition<C extends Condition>(obj: WithConditions<C> | undefined): C | undefined {
  return getCondition(obj, 'Ready');
}

/** A pod or node is Ready when its Ready condition is True (missing or Unknown is not Ready). */
export function isReady(obj: WithConditions<Condition> | undefined): boolean {
  return readyCondition(obj)?.status === 'True';
}
