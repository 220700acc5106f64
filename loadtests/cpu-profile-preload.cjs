/**
 * Loaded into every process of a stack by loadtests/subgraph-profile.ts (NODE_OPTIONS=--require
 * this file; node refuses --cpu-prof there): SIGUSR2 starts V8's CPU profiler in this process
 * (node:inspector, in-process, no port opened), the next SIGUSR2 stops it and writes
 * $CPU_PROFILE_DIR/<pid>.cpuprofile (the format of node --cpu-prof, read by Chrome DevTools and by
 * `subgraph-profile.ts summarise`). A process never signalled does nothing more than listen.
 * Plain CommonJS: it runs before tsx is loaded.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const inspector = require('node:inspector');

const dir = process.env.CPU_PROFILE_DIR;
if (dir) {
  const interval = Number(process.env.CPU_PROFILE_INTERVAL_US || 1000);
  let session = null;
  process.on('SIGUSR2', () => {
    if (!session) {
      session = new inspector.Session();
      session.connect();
      session.post('Profiler.enable', () =>
        session.post('Profiler.setSamplingInterval', { interval }, () => session.post('Profiler.start')),
      );
      return;
    }
    const current = session;
    session = null;
    current.post('Profiler.stop', (err, result) => {
      if (!err) {
        const file = path.join(dir, `${process.pid}.cpuprofile`);
        fs.writeFileSync(`${file}.tmp`, JSON.stringify(result.profile));
        fs.renameSync(`${file}.tmp`, file);
      }
      current.disconnect();
    });
  });
}
