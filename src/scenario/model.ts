// The scenario format (docs/scenarios.md, docs/scenario.schema.json) as types,
// and what running one produces. The parser guarantees a Scenario matches these.
import type { ProxyMode } from '../agent/proxy/modes.js';
import type { RuntimeName } from '../lab/plan.js';

/** Seconds as a number, or "500ms" / "10s" / "2m". */
export type Duration = number | string;

/**
 * A text matcher. A plain string is a substring for outputs (body, reply, stdout)
 * and an exact value for single values (IPs, names, fields); "/re/flags" is a regex.
 */
export type Matcher =
  | string
  | number
  | boolean
  | { equals?: string | number | boolean; contains?: string; matches?: string; not?: Matcher; anyOf?: Matcher[]; absent?: boolean; exists?: boolean; min?: number; max?: number };

/** Where a command or traffic runs: a pod (by name or selector), node/NAME, outside, external or router. */
export type Place = string | { pod?: string; selector?: string; namespace?: string; container?: string; node?: string; host?: string };

export type Source = { file: string } | { yaml: string } | Record<string, unknown>;

interface ApiErrorExpectation {
  /** Status reason: Invalid, AlreadyExists, NotFound, ... */
  reason?: string;
  message?: Matcher;
}

export interface MutationExpect {
  error?: ApiErrorExpectation;
}

export interface ApplyStep {
  file?: string;
  yaml?: string;
  object?: Record<string, unknown>;
  namespace?: string;
  expect?: MutationExpect;
}

export interface DeleteStep {
  ref?: string;
  kind?: string;
  selector?: string;
  namespace?: string;
  gracePeriod?: number;
  wait?: boolean;
  expect?: MutationExpect;
}

export interface PatchStep {
  ref: string;
  namespace?: string;
  merge?: Record<string, unknown>;
  json?: unknown[];
  expect?: MutationExpect;
}

export interface ScaleStep {
  ref: string;
  namespace?: string;
  replicas: number;
}

export interface GetStep {
  ref: string;
  namespace?: string;
  expect: Record<string, Matcher>;
}

export interface WaitStep {
  ready?: string | string[];
  pods?: { selector: string; namespace?: string; count: number; ready?: boolean };
  endpoints?: { service: string; namespace?: string; ready?: number; notReady?: number };
  gone?: string | string[];
  node?: { name: string; ready: boolean };
  get?: GetStep;
}

export interface TrafficExpect {
  status?: number | number[];
  body?: Matcher;
  reply?: Matcher;
  error?: Matcher;
  successRate?: number;
  backends?: number | { min?: number; max?: number };
  backend?: Matcher;
  maxShare?: number;
  sourceIP?: Matcher;
  latency?: Duration;
}

interface TrafficCommon {
  from: Place;
  requests?: number;
  /** Pause between requests. */
  interval?: Duration;
  timeout?: Duration;
  /** Count requests in these pods' logs (label selector) when the replies do not name the backend. */
  backendLogs?: string;
  expect?: TrafficExpect;
}

export interface HttpStep extends TrafficCommon {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface SocketStep extends TrafficCommon {
  to: string;
  send?: string;
}

export interface DnsStep {
  from: Place;
  name: string;
  type?: string;
  server?: string;
  tcp?: boolean;
  search?: boolean;
  expect?: { rcode?: string; answers?: Matcher[]; contains?: Matcher[]; count?: number; cname?: Matcher };
}

export interface ExecStep {
  in: Place;
  command: string | string[];
  container?: string;
  expect?: { exitCode?: number; stdout?: Matcher; stderr?: Matcher };
}

/** The real kubectl, as a tutorial prints the command ("kubectl ..."), or with stdin and expectations. */
export type KubectlStep = string | { command: string; stdin?: string; expect?: { exitCode?: number; stdout?: Matcher; stderr?: Matcher } };

export interface EnvStep {
  in: Place;
  container?: string;
  expect: { has?: string[]; lacks?: string[]; values?: Record<string, Matcher> };
}

export interface RulesStep {
  nodes?: 'all' | string[];
  service?: string;
  namespace?: string;
  port?: string | number;
  present?: boolean;
  chain?: string;
  map?: string;
  contains?: Matcher;
  lacks?: Matcher;
}

/** trace: one probe followed through the nodes' rules (lab trace). */
export interface TraceCheck {
  from: Place;
  /** svc/NAME[:PORT] or IP:PORT (templates allowed). */
  to: string;
  proto?: 'tcp' | 'udp';
  expect: {
    /** Each must match a chain, rule or comment on the request's path ("KUBE-SVL", "/service-.*default\/web/"). */
    through?: Matcher[];
    /** None may match. */
    notThrough?: Matcher[];
    /** The hosts the request crossed, in order (router, node1, ...) must include these. */
    crosses?: string[];
    /** answered, rejected, dropped or no answer. */
    result?: Matcher;
    /** The pod that answered. */
    answeredBy?: Matcher;
    /** The DNAT targets, "ip:port" joined by " -> ". */
    dnat?: Matcher;
  };
}

export type PodTarget = Place;

export interface FaultStep {
  killProcess?: PodTarget;
  pauseProcess?: PodTarget;
  resumeProcess?: PodTarget;
  failReadiness?: PodTarget;
  restoreReadiness?: PodTarget;
  stopAgent?: string;
  resumeAgent?: string;
  killAgent?: string;
  linkDown?: string;
  linkUp?: string;
  restartApiServer?: boolean;
  recovery?: Step & { within: Duration };
}

export interface Step {
  name?: string;
  when?: { proxyMode?: ProxyMode[] };
  within?: Duration;
  timeout?: Duration;
  apply?: ApplyStep;
  delete?: string | DeleteStep;
  patch?: PatchStep;
  scale?: ScaleStep;
  get?: GetStep;
  wait?: WaitStep;
  sleep?: Duration;
  http?: HttpStep;
  tcp?: SocketStep;
  udp?: SocketStep;
  dns?: DnsStep;
  exec?: ExecStep;
  kubectl?: KubectlStep;
  env?: EnvStep;
  rules?: RulesStep;
  trace?: TraceCheck;
  fault?: FaultStep;
}

const actions = ['apply', 'delete', 'patch', 'scale', 'get', 'wait', 'sleep', 'http', 'tcp', 'udp', 'dns', 'exec', 'kubectl', 'env', 'rules', 'trace', 'fault'] as const;
export type Action = (typeof actions)[number];

/** A scenario's nodes when its cluster does not say. */
export const defaultNodes = 2;

interface ClusterSpec {
  nodes?: number;
  /** Simulated hosts the nodes are spread over, round-robin (lab up --hosts). */
  hosts?: number;
  proxyMode?: ProxyMode;
  matrix?: { proxyMode: 'all' | ProxyMode[] };
  runtime?: RuntimeName;
  lbPool?: string;
  nodeGracePeriod?: Duration;
  /** The ingress-nginx addon (lab up --ingress). */
  ingress?: boolean;
}

export interface Scenario {
  name: string;
  description?: string;
  behaviour?: string;
  cluster?: ClusterSpec;
  namespace?: string;
  manifests?: Source[];
  steps: Step[];
  /** Set by the parser: where the scenario came from, and each step's line. */
  file: string;
  stepLines: number[];
}

export function actionOf(step: Step): Action {
  const a = actions.find((k) => step[k] !== undefined);
  if (!a) throw new Error('a step without an action (the parser should have refused it)');
  return a;
}

// ---- results ----

export interface Check {
  what: string;
  expected: string;
  seen: string;
  ok: boolean;
}

type StepStatus = 'passed' | 'failed' | 'skipped' | 'not run';

export interface StepResult {
  index: number;
  line: number;
  title: string;
  status: StepStatus;
  ms: number;
  attempts: number;
  checks: Check[];
  /** What happened, for the readable report (outputs, chosen pods, pids). */
  details: string[];
  /** On failure: the relevant endpoints and rules. */
  diagnostics: string[];
  reason?: string;
}

type RunStatus = 'passed' | 'failed' | 'skipped';

export interface RunResult {
  scenario: Pick<Scenario, 'name' | 'file' | 'behaviour'>;
  proxyMode: ProxyMode;
  lab: string;
  status: RunStatus;
  /** Why it was skipped, or why the cluster could not be built. */
  reason?: string;
  steps: StepResult[];
  ms: number;
  kept: boolean;
}
