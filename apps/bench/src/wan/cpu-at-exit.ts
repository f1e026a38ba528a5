// Preloaded (`node --import`) into the worker CLI processes the WAN bench runs: at exit it writes the
// process's CPU seconds (every thread, user + system) to $SFW_CPU_AT_EXIT, the comparable figure on
// a shared machine where wall time depends on everyone else's load.
import { writeFileSync } from 'node:fs';

const file = process.env['SFW_CPU_AT_EXIT'];
if (file !== undefined && file !== '') {
  process.on('exit', () => {
    const c = process.cpuUsage();
    writeFileSync(file, JSON.stringify({ cpu_s: (c.user + c.system) / 1e6 }));
  });
}
