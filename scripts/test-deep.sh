#!/usr/bin/env bash
# `npm run test:deep`: the randomized tests (the files that take a count budget from
# test/helpers/budget.ts: differential runs against the kernel, fuzzers) with their deep counts.
# Extra arguments go to vitest (e.g. a single file).
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --silent
files=$(grep -rl "from '../helpers/budget.js'" test | sort)
LAYERSCOPE_DEEP=1 exec npx vitest run --config test/vitest.config.ts ${*:-$files}
