// A container's security settings, from the pod's and the container's
// securityContext (the container's win, as upstream), and the setpriv(1)
// arguments that apply them: Docker's default capability set unless privileged,
// no_new_privs, runAsUser/runAsGroup. Pure: no root, no system calls.

/** The Linux capabilities by number (linux/capability.h), without the CAP_ prefix. */
const ALL_CAPS = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP', 'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT',
  'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE', 'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE',
  'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP', 'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ',
  'PERFMON', 'BPF', 'CHECKPOINT_RESTORE',
] as const;

/** Docker's (and containerd's) default set: CapEff 00000000a80425fb for root. */
export const DEFAULT_CAPS = [
  'CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW', 'SETGID', 'SETUID', 'SETFCAP', 'SETPCAP', 'NET_BIND_SERVICE',
  'SYS_CHROOT', 'KILL', 'AUDIT_WRITE',
];

interface Capabilities {
  add?: string[];
  drop?: string[];
}

/** The fields of PodSecurityContext and SecurityContext a process's start depends on. */
export interface SecurityContextFields {
  privileged?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: Capabilities;
  supplementalGroups?: number[];
  fsGroup?: number;
}

export interface ContainerSecurity {
  privileged: boolean;
  /** Capability names (upper case, no CAP_ prefix): the bounding set, and root's effective set. */
  caps: string[];
  noNewPrivs: boolean;
  /** Undefined: the image's user, root here (the catalogue's images have no USER). */
  uid?: number;
  gid?: number;
  /** Supplementary groups: the pod's supplementalGroups and fsGroup. */
  groups: number[];
}

function capName(name: string): string | undefined {
  const n = name.toUpperCase().replace(/^CAP_/, '');
  return n === 'ALL' || (ALL_CAPS as readonly string[]).includes(n) ? n : undefined;
}

/**
 * The settings a container runs with. Throws (a CreateContainerConfigError) for an unknown
 * capability or runAsNonRoot with user 0, with upstream's wording.
 */
export function containerSecurity(pod: SecurityContextFields | undefined, container: SecurityContextFields | undefined, ref: { pod: string; container: string }): ContainerSecurity {
  const p = pod ?? {};
  const c = container ?? {};
  const privileged = c.privileged === true;
  const uid = c.runAsUser ?? p.runAsUser;
  const gid = c.runAsGroup ?? p.runAsGroup ?? (uid !== undefined ? 0 : undefined);
  if ((c.runAsNonRoot ?? p.runAsNonRoot) === true) {
    if (uid === undefined) throw new Error(`container has runAsNonRoot and image will run as root (pod: "${ref.pod}", container: ${ref.container})`);
    if (uid === 0) throw new Error(`container's runAsUser breaks non-root policy (pod: "${ref.pod}", container: ${ref.container})`);
  }
  const names = (list: string[] | undefined): string[] =>
    (list ?? []).map((n) => {
      const cap = capName(n);
      if (!cap) throw new Error(`unknown capability "${n}"`);
      return cap;
    });
  const add = names(c.capabilities?.add);
  const drop = names(c.capabilities?.drop);
  let caps: string[];
  if (privileged) caps = [...ALL_CAPS];
  else {
    // containerd's order: add ALL, else the defaults plus adds; then drop ALL or each dropped one.
    const base = add.includes('ALL') ? [...ALL_CAPS] : [...new Set([...DEFAULT_CAPS, ...add])];
    caps = drop.includes('ALL') ? base.filter((n) => add.includes(n) && n !== 'ALL') : base.filter((n) => !drop.includes(n));
  }
  // Upstream: privilege escalation is always allowed to privileged and CAP_SYS_ADMIN containers.
  // Unset, svclab's sandbox still sets no_new_privs (Docker's no-new-privileges), stricter than upstream's default.
  const noNewPrivs = !privileged && !caps.includes('SYS_ADMIN') && c.allowPrivilegeEscalation !== true;
  const groups = [...new Set([...(p.supplementalGroups ?? []), ...(p.fsGroup !== undefined ? [p.fsGroup] : [])])];
  return { privileged, caps: ALL_CAPS.filter((n) => caps.includes(n)), noNewPrivs, uid, gid, groups };
}

/**
 * setpriv(1) arguments (without the program) that put a root process into these settings on its
 * next exec: the bounding set limits what root gets, a changed user keeps no capability.
 */
export function setprivArgs(s: ContainerSecurity): string[] {
  const args: string[] = [];
  if (s.noNewPrivs) args.push('--no-new-privs');
  if (!s.privileged) args.push('--inh-caps', '-all', '--bounding-set', ['-all', ...s.caps.map((n) => `+${n.toLowerCase()}`)].join(','));
  if (s.gid !== undefined) args.push('--regid', String(s.gid));
  if (s.uid !== undefined) args.push('--reuid', String(s.uid));
  // Kubernetes' process groups: the primary group and the pod's supplementary ones (setpriv wants them said).
  if (s.uid !== undefined || s.gid !== undefined || s.groups.length > 0) args.push('--groups', [...new Set([s.gid ?? 0, ...s.groups])].join(','));
  return args.length > 0 ? ['setpriv', ...args, '--'] : [];
}
