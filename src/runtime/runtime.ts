// One interface, pluggable backends (containerlab's shape): the orchestrator
// only ever talks to a Runtime, so the netns and docker labs differ here alone.
import type { LabPlan, NodePlan } from '../lab/plan.js';

export interface Runtime {
  readonly name: string;
  /** Missing host features, each as one human sentence; empty when the runtime can run. */
  check(plan: LabPlan): Promise<string[]>;
  /** Builds switch, router, outside host and node hosts with their addresses and routes. */
  create(plan: LabPlan): Promise<void>;
  /** Removes everything the lab made in this runtime; idempotent, works from leftovers. */
  destroy(labName: string): Promise<void>;
  /** argv prefix that runs a process inside a node (network, hostname). */
  nodeCommand(plan: LabPlan, node: NodePlan, argv: string[]): string[];
  /** argv prefix that runs a process on a lab host: a node, "outside" or "router". */
  hostCommand(plan: LabPlan, host: string, argv: string[]): string[];
  /** Names of labs that left something behind in this runtime. */
  leftovers(): Promise<string[]>;
  /** Removes what this runtime built for every lab (the docker node image and its tags); returns their references. For `lab clean`. */
  removeImages(): Promise<string[]>;
}
