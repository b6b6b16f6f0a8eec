// Attack tests: a Dockerfile's RUN, COPY and WORKDIR, written as an attacker would, must not reach the
// host. Each test names what it tries; the base image is busybox (the demo's localbase).
import {spawn} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import * as tar from 'tar';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {build} from '../../source/engine/build.js';
import {demoRootfsTar, hasBusybox} from '../../source/engine/demo-rootfs.js';
import {importRootfs} from '../../source/engine/import.js';
import {runUnsupportedReason} from '../../source/engine/run.js';
import {encodeHeader} from '../../source/tar/encode.js';
import {cli} from '../helpers/cli.js';
import {header} from '../helpers/tar-entries.js';

const tmp = mkdtempSync(join(tmpdir(), 'layerscope-sandbox-'));
afterAll(() => rmSync(tmp, {recursive: true, force: true}));
const root = join(tmp, 'root');
const secret = `secret-${process.pid}-${Date.now()}`;
const canary = join(tmp, 'canary.txt');

const reason = runUnsupportedReason() ?? (hasBusybox() ? undefined : 'the base image needs /bin/busybox (busybox-static)');

/** Build a one-RUN Dockerfile; resolves with the build output whether the build succeeded or not. */
async function runStep(script: string, extra = ''): Promise<string> {
  const ctx = mkdtempSync(join(tmp, 'ctx-'));
  writeFileSync(join(ctx, 'Dockerfile'), `FROM localbase:1\n${extra}RUN ${script}\n`);
  let text = '';
  await build({root, context: ctx, noCache: true, out: {write: (s: string) => (text += s)}}).catch(
    (err: Error) => (text += `\nBUILD FAILED: ${err.message}\n`),
  );
  return text;
}

describe.skipIf(!!reason)(`RUN sandbox${reason ? ` (skipped: ${reason})` : ''}`, () => {
  beforeAll(async () => {
    writeFileSync(join(tmp, 'rootfs.tar'), demoRootfsTar());
    await importRootfs({root, archive: join(tmp, 'rootfs.tar'), ref: 'localbase:1'});
  });

  it('cannot read or write a host file, through /proc/N/root or a chroot escape', async () => {
    writeFileSync(canary, secret);
    const out = await runStep(
      [
        `cat ${canary}`,
        `for p in /proc/[0-9]*/root; do cat $p${canary}; echo pwned > $p${canary}; done`,
        `mkdir -p /esc && chroot /esc /bin/sh -c 'cd ../../../.. && cat .${canary}'`,
        `cat /proc/1/root/proc/1/root${canary}`,
        // Proof that the step ran to its end: a failed build also prints no secret.
        'echo RAN-$((6*7))',
      ].join('; '),
    );
    expect(out).toContain('RAN-42');
    expect(out).not.toContain(secret);
    expect(readFileSync(canary, 'utf8')).toBe(secret);
  });

  it('cannot write /proc/sys, even a value back to itself: it is mounted read-only', async () => {
    // Markers are computed by the shell, so the echoed Dockerfile line never matches them.
    const out = await runStep(
      [
        'cat /proc/sys/vm/swappiness > /proc/sys/vm/swappiness && echo SYSCTL-$((40+2))',
        'cat /proc/sys/kernel/hostname > /proc/sys/kernel/hostname && echo HOSTNAME-$((40+2))',
        // The step's own mount table: the options of the mount at /proc/sys, one line each.
        `awk '$5 == "/proc/sys" { print "procsys" "-mount=" $6 }' /proc/self/mountinfo`,
        'echo RAN-$((6*7))',
      ].join('; '),
    );
    expect(out).toContain('RAN-42');
    expect(out).not.toContain('SYSCTL-42');
    expect(out).not.toContain('HOSTNAME-42');
    expect(out).toMatch(/swappiness: Read-only file system/);
    const mounts = [...out.matchAll(/^procsys-mount=(\S+)$/gm)].map((m) => m[1]!.split(','));
    expect(mounts.length).toBeGreaterThan(0);
    for (const options of mounts) expect(options).toContain('ro');
  });

  it('sees no host process and no network interface but lo', async () => {
    const marker = `host-marker-${process.pid}`;
    const host = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)', marker], {stdio: 'ignore'});
    try {
      expect(await new Promise<boolean>((r) => setTimeout(() => r(readFileSync(`/proc/${host.pid}/cmdline`, 'utf8').includes(marker)), 100))).toBe(true);
      const out = await runStep("cat /proc/[0-9]*/cmdline | tr '\\0' ' '; echo; echo nics: $(sed 1,2d /proc/net/dev | cut -d: -f1)");
      expect(out).not.toContain(marker);
      expect(out).toMatch(/nics: +lo\n/);
    } finally {
      host.kill();
    }
  });

  it('gets the image ENV and nothing of the host environment; ENV LD_PRELOAD reaches no host-side helper', async () => {
    process.env.LAYERSCOPE_HOST_ONLY = secret;
    try {
      const out = await runStep('env | sed s/=/:/; echo "preload=$LD_PRELOAD"', `ENV LD_PRELOAD=${tmp}/evil.so IMAGE_VAR=from-image\n`);
      expect(out).not.toContain(secret);
      expect(out).toContain('IMAGE_VAR:from-image');
      expect(out).toContain(`preload=${tmp}/evil.so`);
      // ld.so of a host binary (unshare, sh, mount) would complain that it cannot preload the library.
      expect(out).not.toMatch(/cannot be preloaded/);
    } finally {
      delete process.env.LAYERSCOPE_HOST_ONLY;
    }
  });

  it('runs without privileges over the host: no new privileges, no device nodes, no mounts', async () => {
    const out = await runStep(
      [
        'grep NoNewPrivs /proc/self/status',
        'mknod /blk b 7 0 && head -c1 /blk >/dev/null && echo MKNOD-$((40+2))',
        'mkdir -p /mnt && mount -t tmpfs none /mnt && echo MOUNT-$((40+2))',
        'true',
      ].join('; '),
    );
    expect(out).toMatch(/NoNewPrivs:\s+1/);
    expect(out).not.toContain('MKNOD-42');
    expect(out).not.toContain('MOUNT-42');
  });

  it("a step's working directory replaced by a link to a host path is made inside the image, not on the host", async () => {
    const hostDir = join(tmp, `host-wd-${process.pid}`);
    const ctx = mkdtempSync(join(tmp, 'ctx-'));
    writeFileSync(join(ctx, 'Dockerfile'), `FROM localbase:1\nWORKDIR /w\nRUN cd / && rm -rf /w && ln -s ${hostDir}/made /w\nRUN pwd -P\n`);
    let text = '';
    await build({root, context: ctx, noCache: true, out: {write: (t: string) => (text += t)}});
    expect(text).toContain(`${hostDir}/made\n`);
    expect(existsSync(hostDir)).toBe(false);
  });

  it('the root file system of the step is mounted nosuid,nodev', async () => {
    const out = await runStep("grep ' / / ' /proc/self/mountinfo | cut -d' ' -f6 | sed 's/^/root-mount:/'");
    expect(out).toMatch(/root-mount:.*nosuid/);
    expect(out).toMatch(/root-mount:.*nodev/);
  });

  it('ADD of a tar holding /escape -> <host dir>: later writes through the link stay inside the image', async () => {
    const hostDir = join(tmp, `host-add-${process.pid}`);
    const ctx = mkdtempSync(join(tmp, 'ctx-add-'));
    const payload = Buffer.from('payload\n');
    const link = encodeHeader(header('escape', {type: 'symlink', linkname: hostDir, mode: 0o777}));
    writeFileSync(join(ctx, 'link.tar'), Buffer.concat([link, Buffer.alloc(1024)]));
    writeFileSync(join(ctx, 'f.txt'), payload);
    writeFileSync(
      join(ctx, 'Dockerfile'),
      'FROM localbase:1\nADD link.tar /\nWORKDIR /escape/sub\nCOPY f.txt /escape/copied.txt\nADD f.txt /escape/added.txt\nRUN echo run > /escape/run.txt\n',
    );
    const r = await build({root, context: ctx});
    expect(existsSync(hostDir)).toBe(false);
    // Docker 20.10's classic builder, same Dockerfile: /escape keeps its absolute target and
    // <host dir> inside the image holds added.txt, copied.txt, run.txt and sub/.
    const ls = (path: string) =>
      JSON.parse(cli(['ls', r.id, path, '--root', root, '--json']).stdout) as Array<{Path: string; Type: string; LinkTarget?: string}>;
    expect(ls('/').find((e) => e.Path === '/escape')).toMatchObject({Type: 'symlink', LinkTarget: hostDir});
    expect(ls(hostDir).map((e) => e.Path.slice(hostDir.length + 1))).toEqual(['added.txt', 'copied.txt', 'run.txt', 'sub']);

    // One tar with the link and a file through it: refused (Docker fails too: "open /escape/pwned.txt:
    // no such file or directory", the link's target being absent from the image).
    const through = Buffer.concat([link, encodeHeader(header('escape/pwned.txt', {size: payload.length})), payload, Buffer.alloc(512 - payload.length)]);
    writeFileSync(join(ctx, 'through.tar'), Buffer.concat([through, Buffer.alloc(1024)]));
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM localbase:1\nADD through.tar /\n');
    await expect(build({root, context: ctx})).rejects.toThrow(/escape\/pwned\.txt/);
    expect(existsSync(hostDir)).toBe(false);
  });

  it('pid 1 of the step is the step itself, rooted in the image', async () => {
    const out = await runStep('echo "pid1=$(tr \'\\0\' \' \' < /proc/1/cmdline)"; ls /proc/1/root/ | tr "\\n" " "');
    expect(out).toMatch(/pid1=\/bin\/sh -c echo/);
    expect(out).not.toMatch(/\bhome\b.*\bvar\b|\bboot\b/);
  });
});

describe.skipIf(process.getuid?.() !== 0)(
  `COPY and WORKDIR stay inside the context and the image${process.getuid?.() === 0 ? '' : ' (skipped: COPY keeps owners with lchown, which needs root)'}`,
  () => {
    beforeAll(async () => {
      if (!existsSync(root)) {
        writeFileSync(join(tmp, 'rootfs.tar'), demoRootfsTar());
        await importRootfs({root, archive: join(tmp, 'rootfs.tar'), ref: 'localbase:1'});
      }
      writeFileSync(canary, secret);
    });

    it('COPY through a symlink in the context resolves inside the context, as Docker does', async () => {
      const ctx = mkdtempSync(join(tmp, 'ctx-copy-'));
      symlinkSync(tmp, join(ctx, 'link')); // absolute: Docker resolves it against the context root
      symlinkSync('../../../../../../..', join(ctx, 'up'));
      writeFileSync(join(ctx, 'Dockerfile'), `FROM localbase:1\nCOPY link/canary.txt /stolen\n`);
      await expect(build({root, context: ctx})).rejects.toThrow(/not found|no such file/);
      writeFileSync(join(ctx, 'Dockerfile'), `FROM localbase:1\nCOPY up${canary} /stolen\n`);
      await expect(build({root, context: ctx})).rejects.toThrow(/not found|no such file/);
    });

    it('WORKDIR and COPY through an image symlink to an absolute host path write into the image, never the host', async () => {
      const hostDir = join(tmp, `host-dir-${process.pid}`);
      const ctx = mkdtempSync(join(tmp, 'ctx-wd-'));
      // The image gets /escape -> <host dir> from an ADDed tar (COPY follows a context symlink, so it cannot bring one).
      mkdirSync(join(ctx, 'files'));
      symlinkSync(hostDir, join(ctx, 'files', 'escape'));
      writeFileSync(join(ctx, 'f.txt'), 'payload\n');
      await tar.c({file: join(ctx, 'links.tar'), cwd: join(ctx, 'files'), portable: true}, ['escape']);
      writeFileSync(join(ctx, 'Dockerfile'), 'FROM localbase:1\nADD links.tar /\nWORKDIR /escape/sub\nCOPY f.txt /escape/copied.txt\n');
      const r = await build({root, context: ctx});
      expect(existsSync(hostDir)).toBe(false);
      // Inside the image, the link's target directory holds both.
      const ls = cli(['ls', r.id, hostDir, '--root', root, '--json']);
      expect(ls.code).toBe(0);
      expect(ls.stdout).toContain('copied.txt');
      expect(ls.stdout).toContain('sub');
    });
  },
);
