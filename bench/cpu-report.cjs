// Preloaded (`node --require`) into both sides of a start-up pair: at exit, the process's own
// CPU time (user + system, µs, getrusage) goes to stderr as the last line. On a machine shared
// with other work, wall time measures the queue for the cores; CPU time measures the work.
'use strict';
process.on('exit', () => {
  const {userCPUTime, systemCPUTime} = process.resourceUsage();
  require('node:fs').writeSync(2, `\ncpu-us ${userCPUTime + systemCPUTime}\n`);
});
