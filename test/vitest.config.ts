import {fileURLToPath} from 'node:url';
import {defineConfig} from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // Files run two at a time: each extracts its own roots, starts its own daemons and tmux servers
    // (private sockets and temp directories), so none sees another's; many wait on daemons.
    maxWorkers: 2,
  },
});
