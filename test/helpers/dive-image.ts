// dive's own test image (fixtures/formats, built from dive's Dockerfile.test-image by make.sh): the
// figures dive's rules give for it, worked out from that Dockerfile and the system tar's listing of
// the layers in podman's docker-archive (dive-docker.tar.gz) — never from layerscope's own output.
import {execFileSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {FIXTURES} from './fixture-root.js';

export interface DiveFigures {
  sizeBytes: number;
  userSizeBytes: number;
  wastedBytes: number;
  score: number;
  inefficient: {path: string; count: number; wastedBytes: number}[];
}

/** README.md of the build context: 40 lines of "# dive test file\n" (17 B), copied as /somefile.txt. */
const FILE = 40 * 17;

export function diveImageFigures(): DiveFigures {
  const dir = mkdtempSync(join(tmpdir(), 'layerscope-dive-'));
  try {
    execFileSync('tar', ['-xzf', join(FIXTURES, 'formats', 'dive-docker.tar.gz'), '-C', dir]);
    const [manifest] = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {Layers: string[]}[];
    // Σ of the sizes `tar -tv` prints, per layer.
    const sizes = manifest!.Layers.map((layer) =>
      execFileSync('tar', ['-tvf', join(dir, layer)], {encoding: 'utf8'})
        .split('\n')
        .filter(Boolean)
        .reduce((sum, line) => sum + Number(line.split(/\s+/)[2]), 0),
    );
    const sizeBytes = sizes.reduce((a, b) => a + b);
    // somefile1.txt: copied, then chmod 444 (a second copy); saved.txt: moved in, then chmod +x;
    // somefile3.txt: copied, then moved away (a whiteout). Each path is wasted in full.
    const inefficient = [
      {path: '/root/example/somefile1.txt', count: 2, wastedBytes: 2 * FILE},
      {path: '/root/saved.txt', count: 2, wastedBytes: 2 * FILE},
      {path: '/root/example/somefile3.txt', count: 2, wastedBytes: FILE},
    ];
    // Every path counts once at its smallest; `rm -rf /root/example/` (a whiteout of the directory)
    // counts the subtree it deletes (somefile1.txt and somefile2.txt) on top of the layers' bytes.
    const discovered = sizeBytes + 2 * FILE;
    return {
      sizeBytes,
      userSizeBytes: sizeBytes - sizes[0]!,
      wastedBytes: inefficient.reduce((sum, f) => sum + f.wastedBytes, 0),
      score: (discovered - 3 * FILE) / discovered,
      inefficient,
    };
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
}
