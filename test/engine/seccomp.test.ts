// RUN's seccomp filter, asked by real binaries: each probe makes one system call inside a step and
// exits with its errno. The same probe run on the host first shows the call is not refused there,
// so an EPERM in the step is the filter's. The numbers the filter uses are checked against the
// kernel's uapi headers (Debian linux-libc-dev) where this machine has them.
import {spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {build} from '../../source/engine/build.js';
import {demoRootfsTar, hasBusybox} from '../../source/engine/demo-rootfs.js';
import {importRootfs} from '../../source/engine/import.js';
import {runUnsupportedReason} from '../../source/engine/run.js';
import {FILTERED_CALLS, SYSCALL_NUMBERS} from '../../source/engine/seccomp.js';
import {syscallProbe, type ProbeAbi} from '../helpers/syscall-probe.js';

const HEADERS = {
  x86_64: '/usr/include/x86_64-linux-gnu/asm/unistd_64.h',
  i386: '/usr/include/x86_64-linux-gnu/asm/unistd_32.h',
  aarch64: '/usr/include/asm-generic/unistd.h',
} as const;

describe('the filter numbers each call as the kernel does', () => {
  for (const [arch, file] of Object.entries(HEADERS) as Array<[keyof typeof HEADERS, string]>) {
    it.skipIf(!existsSync(file))(`${arch}: ${file}${existsSync(file) ? '' : ' (skipped: not installed; Debian linux-libc-dev has it)'}`, () => {
      const defined = new Map<string, number>();
      for (const m of readFileSync(file, 'utf8').matchAll(/^#define __NR(?:3264)?_(\w+)\s+(\d+)\s*$/gm)) defined.set(m[1]!, Number(m[2]));
      // asm-generic lists calls only 32-bit architectures have (their 64-bit time variants): arm64 has none of them.
      const only32 = arch === 'aarch64' ? /64$/ : /^$/;
      const expected = Object.fromEntries(FILTERED_CALLS.filter((n) => defined.has(n) && !only32.test(n)).map((n) => [n, defined.get(n)]));
      expect(SYSCALL_NUMBERS[arch]).toEqual(expected);
    });
  }
});

interface Probe {
  name: string;
  abi: ProbeAbi;
  nr: number;
  args?: [number, number, number];
  /** the errno the step must get: EPERM 1 from the filter, ENOSYS 38 for clone3, 0 where the call is allowed */
  step: number;
}

const CLONE_NEWUSER = 0x10000000;
const SIGCHLD = 17;
const PROBES: Probe[] = [
  {name: 'getpid', abi: 'x64', nr: 39, step: 0},
  {name: 'keyctl', abi: 'x64', nr: 250, args: [0, -3, 1], step: 1}, // KEYCTL_GET_KEYRING_ID of the session keyring
  {name: 'unshare-user', abi: 'x64', nr: 272, args: [CLONE_NEWUSER, 0, 0], step: 1},
  {name: 'clone-newuser', abi: 'x64', nr: 56, args: [CLONE_NEWUSER | SIGCHLD, 0, 0], step: 1},
  {name: 'clone3', abi: 'x64', nr: 435, step: 38},
  {name: 'io_uring_setup', abi: 'x64', nr: 425, args: [1, 0, 0], step: 1},
  {name: 'perf_event_open', abi: 'x64', nr: 298, step: 1},
  {name: 'userfaultfd', abi: 'x64', nr: 323, args: [1, 0, 0], step: 1}, // UFFD_USER_MODE_ONLY
  {name: 'personality-query', abi: 'x64', nr: 135, args: [0xffffffff, 0, 0], step: 0},
  {name: 'personality-read-implies-exec', abi: 'x64', nr: 135, args: [0x0400000, 0, 0], step: 1},
  {name: 'socket-unix', abi: 'x64', nr: 41, args: [1, 1, 0], step: 0},
  {name: 'socket-vsock', abi: 'x64', nr: 41, args: [40, 1, 0], step: 1},
  {name: 'x32-keyctl', abi: 'x32', nr: 250, args: [0, -3, 1], step: 1},
  {name: 'i386-getpid', abi: 'i386', nr: 20, step: 0},
  {name: 'i386-keyctl', abi: 'i386', nr: 288, args: [0, -3, 1], step: 1},
];

const reason =
  process.arch !== 'x64'
    ? `the probes are x86-64 programs; this is ${process.arch}`
    : (runUnsupportedReason() ?? (hasBusybox() ? undefined : 'the base image needs /bin/busybox (busybox-static)'));

describe.skipIf(!!reason)(`RUN's seccomp filter${reason ? ` (skipped: ${reason})` : ''}`, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'layerscope-seccomp-'));
  afterAll(() => rmSync(tmp, {recursive: true, force: true}));
  const root = join(tmp, 'root');
  const ctx = join(tmp, 'ctx');
  /** errno of each probe run on the host, where no filter is loaded (a signal: the kernel lacks that entry) */
  const host = new Map<string, number | string>();

  beforeAll(async () => {
    writeFileSync(join(tmp, 'rootfs.tar'), demoRootfsTar());
    await importRootfs({root, archive: join(tmp, 'rootfs.tar'), ref: 'localbase:1'});
    mkdirSync(join(ctx, 'probes'), {recursive: true});
    for (const p of PROBES) {
      const file = join(ctx, 'probes', p.name);
      writeFileSync(file, syscallProbe(p.abi, p.nr, p.args), {mode: 0o755});
      const r = spawnSync(file, {cwd: tmp});
      host.set(p.name, r.signal ?? r.status ?? -1);
    }
  });

  /** Each probe's errno inside a step run as `user`. */
  async function inStep(user: string): Promise<{out: string; got: Map<string, string>}> {
    writeFileSync(
      join(ctx, 'Dockerfile'),
      `FROM localbase:1\nCOPY probes/ /probes/\n${user ? `USER ${user}\n` : ''}` +
        `RUN grep Seccomp: /proc/self/status; for p in /probes/*; do $p; echo "probe \${p#/probes/}=$?"; done\n`,
    );
    let out = '';
    await build({root, context: ctx, noCache: true, out: {write: (s: string) => (out += s)}});
    return {out, got: new Map([...out.matchAll(/^probe (\S+)=(\d+)$/gm)].map((m) => [m[1]!, m[2]!]))};
  }

  for (const user of ['', '1000:1000']) {
    it(`refuses what Docker's default profile refuses, through the x86-64, x32 and i386 entries (${user ? 'USER 1000' : 'root'})`, async () => {
      const {out, got} = await inStep(user);
      expect(out).toMatch(/Seccomp:\s+2/); // filter mode
      for (const p of PROBES) {
        // i386 entries exist only with the kernel's IA32 emulation; the host run shows whether it has it.
        if (p.abi === 'i386' && host.get('i386-getpid') !== 0) continue;
        if (p.step === 1) expect(host.get(p.name), `${p.name} on the host`).not.toBe(1);
        expect(got.get(p.name), `${p.name} in the step`).toBe(String(p.step));
      }
    });
  }
});
