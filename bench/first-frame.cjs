// Preloaded (`node --require`) into the explorer by run.js: when stdout first carries the text
// in LAYERSCOPE_BENCH_EXPECT, the process's CPU time so far (user + system, every thread, ms) is
// written to the file LAYERSCOPE_BENCH_OUT. On a loaded machine the wall time to the first frame
// is mostly waiting for a core; the CPU time is the work the first frame took.
'use strict';
const {writeFileSync} = require('node:fs');
const {LAYERSCOPE_BENCH_EXPECT: expect, LAYERSCOPE_BENCH_OUT: out} = process.env;
const write = process.stdout.write.bind(process.stdout);
let seen = false;
process.stdout.write = (chunk, ...rest) => {
  if (!seen && expect && out && String(chunk).includes(expect)) {
    seen = true;
    const {user, system} = process.cpuUsage();
    writeFileSync(out, String((user + system) / 1000));
  }
  return write(chunk, ...rest);
};
