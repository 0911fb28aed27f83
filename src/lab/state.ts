// Where a lab keeps its state: /run/svclab/<name>/ (lab.json, store/, logs/, api.sock).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../util/errors.js';
import type { LabPlan } from './plan.js';

/** The checkout this code runs from (dist/src/lab/ -> three levels up). */
export const home = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** A command named a lab that does not exist (or is not up yet). */
export class NoSuchLab extends UserError {}

export const defaultStateRoot = '/run/svclab';
/** SVCLAB_STATE_ROOT: another root stands for another machine (test/helpers/machines.ts). */
export const stateRoot = process.env.SVCLAB_STATE_ROOT ?? defaultStateRoot;

export interface LabState {
  plan: LabPlan;
  /** The API server's TCP port as last known; the port file is the source of truth. */
  apiPort: number;
  createdAt: string;
  /** The checkout whose dist/ runs this lab's components. */
  home: string;
  supervisorPid?: number;
  /** The dashboard's port on 127.0.0.1 as asked (0: any free one; the ui-port file says which). */
  uiPort?: number;
  /** When every node was Ready (lab up continues with the cluster DNS). */
  nodesReadyAt?: string;
}

export interface ComponentState {
  name: string;
  pid?: number;
  restarts: number;
  startedAt?: string;
  lastExit?: string;
}

export function labDir(name: string): string {
  return path.join(stateRoot, name);
}

export const paths = {
  state: (name: string) => path.join(labDir(name), 'lab.json'),
  components: (name: string) => path.join(labDir(name), 'components.json'),
  socket: (name: string) => path.join(labDir(name), 'api.sock'),
  /** The API server's TLS on a unix socket, which the router relays kubernetes.default to. */
  tlsSocket: (name: string) => path.join(labDir(name), 'api-tls.sock'),
  store: (name: string) => labDir(name),
  /** The lab's etcd (lab up --store etcd): its sockets and data, 0700. */
  etcd: (name: string) => path.join(labDir(name), 'etcd'),
  logs: (name: string) => path.join(labDir(name), 'logs'),
  /** A file here keeps the supervisor from restarting that component while it exists (tests play a machine that stays down). */
  hold: (name: string, component: string) => path.join(labDir(name), 'hold', component),
  kubeconfig: (name: string) => path.join(labDir(name), 'kubeconfig'),
  kubeletSockets: (name: string) => path.join(labDir(name), 'kubelet'),
  /** The router's HTTP-CONNECT proxy to kubelets on the node network (labs other machines join). */
  egressSocket: (name: string) => path.join(labDir(name), 'egress.sock'),
  upstreamZone: (name: string) => path.join(labDir(name), 'upstream-zone.yaml'),
  apiPort: (name: string) => path.join(labDir(name), 'api-port'),
  uiPort: (name: string) => path.join(labDir(name), 'ui-port'),
  /** The lab `lab up` made last (a file, so listLabs, which lists directories, never sees it). */
  current: () => path.join(stateRoot, '.current-lab'),
};

/** Where a node's kubelet API listens; the API server proxies logs and exec there. */
export function kubeletSocket(stateDir: string, node: string): string {
  return path.join(stateDir, 'kubelet', `${node}.sock`);
}

export function writeJsonAtomic(file: string, value: unknown): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  fs.renameSync(tmp, file);
}

export function readState(name: string): LabState | undefined {
  try {
    return JSON.parse(fs.readFileSync(paths.state(name), 'utf8')) as LabState;
  } catch {
    return undefined;
  }
}

export function readComponents(name: string): ComponentState[] {
  try {
    return JSON.parse(fs.readFileSync(paths.components(name), 'utf8')) as ComponentState[];
  } catch {
    return [];
  }
}

export function listLabs(): string[] {
  try {
    return fs.readdirSync(stateRoot, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
}

export function serverUrl(state: LabState): string {
  let port = state.apiPort;
  try {
    port = Number(fs.readFileSync(paths.apiPort(state.plan.name), 'utf8')) || port;
  } catch {
    /* not started yet */
  }
  return `https://127.0.0.1:${port}`;
}

/** The dashboard's URL once it listens. */
export function dashboardUrl(name: string): string | undefined {
  try {
    const port = Number(fs.readFileSync(paths.uiPort(name), 'utf8'));
    return port ? `http://127.0.0.1:${port}/` : undefined;
  } catch {
    return undefined;
  }
}

export function socketServer(name: string): string {
  return `unix:${paths.socket(name)}`;
}
