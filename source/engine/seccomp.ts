// The seccomp filter of a RUN step: a classic BPF program bubblewrap loads (`--seccomp FD`) just before
// it executes the step's command. It refuses, with EPERM, what Docker's default profile refuses a
// container without CAP_SYS_ADMIN and the other privileged capabilities: the kernel keyring (not
// namespaced), module and kexec loading, mounts and the new mount API, namespaces (clone and unshare
// with namespace flags, setns), io_uring, bpf, perf events, userfaultfd, clocks, swap, reboot,
// quotas, NUMA policy, handles that open files by inode (open_by_handle_at reaches outside any mount),
// AF_VSOCK sockets and unusual personalities. clone3 gets ENOSYS, as Docker gives it, so C libraries
// fall back to clone, whose flags a filter can read.
//
// Docker's profile is an allow list of about 350 calls; this is the deny list of the calls that
// profile refuses, so a step still gets calls newer than this table. The numbers are the kernel's uapi
// ones (asm/unistd_64.h, asm/unistd_32.h, asm-generic/unistd.h); test/engine/seccomp.test.ts checks
// them against those headers. A 64-bit x86 host also checks the i386 (int 0x80) and x32 entries, the
// usual ways around a filter written for one table; any other architecture's calls kill the step.

/** linux/audit.h: the `arch` field of seccomp_data. */
const AUDIT_ARCH = {x86_64: 0xc000003e, i386: 0x40000003, aarch64: 0xc00000b7} as const;
type Arch = keyof typeof AUDIT_ARCH;

/** x32 calls are x86_64 calls with this bit set in the number. */
const X32_SYSCALL_BIT = 0x40000000;

const DENIED = [
  'acct',
  'add_key',
  'bpf',
  'clock_adjtime',
  'clock_adjtime64',
  'clock_settime',
  'clock_settime64',
  'create_module',
  'delete_module',
  'finit_module',
  'fsconfig',
  'fsmount',
  'fsopen',
  'fspick',
  'get_kernel_syms',
  'get_mempolicy',
  'init_module',
  'io_uring_enter',
  'io_uring_register',
  'io_uring_setup',
  'ioperm',
  'iopl',
  'kcmp',
  'kexec_file_load',
  'kexec_load',
  'keyctl',
  'lookup_dcookie',
  'mbind',
  'mount',
  'mount_setattr',
  'move_mount',
  'move_pages',
  'name_to_handle_at',
  'nfsservctl',
  'open_by_handle_at',
  'open_tree',
  'perf_event_open',
  'pivot_root',
  'query_module',
  'quotactl',
  'quotactl_fd',
  'reboot',
  'request_key',
  'set_mempolicy',
  'set_mempolicy_home_node',
  'setns',
  'settimeofday',
  'stime',
  'swapoff',
  'swapon',
  'syslog',
  'sysfs',
  '_sysctl',
  'umount',
  'umount2',
  'unshare',
  'uselib',
  'userfaultfd',
  'ustat',
  'vm86',
  'vm86old',
] as const;

/** Calls checked by their arguments, and clone3. */
const SPECIAL = ['clone', 'clone3', 'personality', 'socket'] as const;
export type SyscallName = (typeof DENIED)[number] | (typeof SPECIAL)[number];
/** Every call the filter looks at. */
export const FILTERED_CALLS: readonly SyscallName[] = [...DENIED, ...SPECIAL];

/** Each architecture's numbers of the calls above; a call the architecture does not have is absent. */
export const SYSCALL_NUMBERS: Record<Arch, Partial<Record<SyscallName, number>>> = {
  x86_64: {
    ...{acct: 163, add_key: 248, bpf: 321, clock_adjtime: 305, clock_settime: 227, create_module: 174, delete_module: 176},
    ...{finit_module: 313, fsconfig: 431, fsmount: 432, fsopen: 430, fspick: 433, get_kernel_syms: 177, get_mempolicy: 239},
    ...{init_module: 175, io_uring_enter: 426, io_uring_register: 427, io_uring_setup: 425, ioperm: 173, iopl: 172, kcmp: 312},
    ...{kexec_file_load: 320, kexec_load: 246, keyctl: 250, lookup_dcookie: 212, mbind: 237, mount: 165, mount_setattr: 442},
    ...{move_mount: 429, move_pages: 279, name_to_handle_at: 303, nfsservctl: 180, open_by_handle_at: 304, open_tree: 428},
    ...{perf_event_open: 298, pivot_root: 155, query_module: 178, quotactl: 179, quotactl_fd: 443, reboot: 169, request_key: 249},
    ...{set_mempolicy: 238, set_mempolicy_home_node: 450, setns: 308, settimeofday: 164, swapoff: 168, swapon: 167, syslog: 103},
    ...{sysfs: 139, _sysctl: 156, umount2: 166, unshare: 272, uselib: 134, userfaultfd: 323, ustat: 136},
    ...{clone: 56, clone3: 435, personality: 135, socket: 41},
  },
  i386: {
    ...{acct: 51, add_key: 286, bpf: 357, clock_adjtime: 343, clock_adjtime64: 405, clock_settime: 264, clock_settime64: 404},
    ...{create_module: 127, delete_module: 129, finit_module: 350, fsconfig: 431, fsmount: 432, fsopen: 430, fspick: 433},
    ...{get_kernel_syms: 130, get_mempolicy: 275, init_module: 128, io_uring_enter: 426, io_uring_register: 427, io_uring_setup: 425},
    ...{ioperm: 101, iopl: 110, kcmp: 349, kexec_load: 283, keyctl: 288, lookup_dcookie: 253, mbind: 274, mount: 21},
    ...{mount_setattr: 442, move_mount: 429, move_pages: 317, name_to_handle_at: 341, nfsservctl: 169, open_by_handle_at: 342},
    ...{open_tree: 428, perf_event_open: 336, pivot_root: 217, query_module: 167, quotactl: 131, quotactl_fd: 443, reboot: 88},
    ...{request_key: 287, set_mempolicy: 276, set_mempolicy_home_node: 450, setns: 346, settimeofday: 79, stime: 25, swapoff: 115},
    ...{swapon: 87, syslog: 103, sysfs: 135, _sysctl: 149, umount: 22, umount2: 52, unshare: 310, uselib: 86, userfaultfd: 374},
    ...{ustat: 62, vm86: 166, vm86old: 113, clone: 120, clone3: 435, personality: 136, socket: 359},
  },
  aarch64: {
    ...{acct: 89, add_key: 217, bpf: 280, clock_adjtime: 266, clock_settime: 112, delete_module: 106, finit_module: 273},
    ...{fsconfig: 431, fsmount: 432, fsopen: 430, fspick: 433, get_mempolicy: 236, init_module: 105, io_uring_enter: 426},
    ...{io_uring_register: 427, io_uring_setup: 425, kcmp: 272, kexec_file_load: 294, kexec_load: 104, keyctl: 219},
    ...{lookup_dcookie: 18, mbind: 235, mount: 40, mount_setattr: 442, move_mount: 429, move_pages: 239, name_to_handle_at: 264},
    ...{nfsservctl: 42, open_by_handle_at: 265, open_tree: 428, perf_event_open: 241, pivot_root: 41, quotactl: 60, quotactl_fd: 443},
    ...{reboot: 142, request_key: 218, set_mempolicy: 237, set_mempolicy_home_node: 450, setns: 268, settimeofday: 170},
    ...{swapoff: 225, swapon: 224, syslog: 116, umount2: 39, unshare: 97, userfaultfd: 282},
    ...{clone: 220, clone3: 435, personality: 92, socket: 198},
  },
};

/** CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET */
const CLONE_NAMESPACES = 0x7e020000;
/** The personalities Docker allows: PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, and the query 0xffffffff. */
const PERSONALITIES = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff];
const AF_VSOCK = 40;
const EPERM = 1;
const ENOSYS = 38;

// Classic BPF (linux/filter.h, linux/seccomp.h).
const LD_ABS_W = 0x20;
const JEQ = 0x15;
const JGE = 0x35;
const JSET = 0x45;
const RET = 0x06;
const RET_KILL_PROCESS = 0x80000000;
const RET_ERRNO = 0x00050000;
const RET_ALLOW = 0x7fff0000;
/** Offsets into seccomp_data: the call's number, its architecture, the low word of its first argument (little-endian). */
const NR = 0;
const ARCH = 4;
const ARG0_LOW = 16;

interface Insn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}
const stmt = (code: number, k: number): Insn => ({code, jt: 0, jf: 0, k});
const jump = (code: number, k: number, jt: number, jf: number): Insn => ({code, jt, jf, k});
const deny = (errno = EPERM): Insn => stmt(RET, RET_ERRNO | errno);
const allow = (): Insn => stmt(RET, RET_ALLOW);

/** One architecture's checks; the accumulator holds the call's number on entry, and every path returns. */
function archBlock(numbers: Partial<Record<SyscallName, number>>, x32: boolean): Insn[] {
  const out: Insn[] = [stmt(LD_ABS_W, NR)];
  if (x32) out.push(jump(JGE, X32_SYSCALL_BIT, 0, 1), deny());
  for (const name of DENIED) {
    const nr = numbers[name];
    if (nr !== undefined) out.push(jump(JEQ, nr, 0, 1), deny());
  }
  if (numbers.clone3 !== undefined) out.push(jump(JEQ, numbers.clone3, 0, 1), deny(ENOSYS));
  // Each argument check: [is it this call? else skip the block] [load the argument] [tests] [deny] [allow].
  const withArg = (nr: number | undefined, tests: Insn[]): void => {
    if (nr === undefined) return;
    out.push(jump(JEQ, nr, 0, tests.length + 3), stmt(LD_ABS_W, ARG0_LOW), ...tests, deny(), allow());
  };
  // clone's flags are its first argument on x86 and arm64 (not on s390, which this table does not have).
  withArg(numbers.clone, [jump(JSET, CLONE_NAMESPACES, 0, 1)]);
  withArg(
    numbers.personality,
    // Any of the allowed values jumps over the deny to the allow; the last miss falls into the deny.
    PERSONALITIES.map((p, i) => jump(JEQ, p, PERSONALITIES.length - i, 0)),
  );
  withArg(numbers.socket, [jump(JEQ, AF_VSOCK, 0, 1)]);
  out.push(allow());
  return out;
}

/** The filter for a host of this Node architecture, as the bytes bubblewrap reads; undefined when there is none. */
export function seccompFilter(nodeArch: string = process.arch): Buffer | undefined {
  const arches: Arch[] | undefined = nodeArch === 'x64' ? ['x86_64', 'i386'] : nodeArch === 'arm64' ? ['aarch64'] : undefined;
  if (!arches) return undefined;
  const blocks = arches.map((a) => archBlock(SYSCALL_NUMBERS[a], a === 'x86_64'));
  // Dispatch on the architecture: [arch == A ? next : skip A's block] [A's block] ... [kill].
  const prog: Insn[] = [stmt(LD_ABS_W, ARCH)];
  blocks.forEach((block, i) => {
    if (block.length > 255) throw new Error('seccomp: an architecture block is longer than a jump can skip');
    prog.push(jump(JEQ, AUDIT_ARCH[arches[i]!], 0, block.length), ...block);
  });
  prog.push(stmt(RET, RET_KILL_PROCESS));
  const buf = Buffer.alloc(prog.length * 8);
  prog.forEach((insn, i) => {
    buf.writeUInt16LE(insn.code, i * 8);
    buf.writeUInt8(insn.jt, i * 8 + 2);
    buf.writeUInt8(insn.jf, i * 8 + 3);
    buf.writeUInt32LE(insn.k >>> 0, i * 8 + 4);
  });
  return buf;
}
