'use strict';
// What the local machine says: a free port, a process's memory. Shared by the tests (TypeScript,
// through system.d.ts) and the scripts (plain Node), so neither keeps a copy.

const { readFileSync } = require('node:fs');
const { createServer } = require('node:net');

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function statusKb(pid, field) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)[1]);
}

/** The process's resident set size now (VmRSS), in MB; undefined once it has exited. */
function rssMb(pid) {
  try {
    return statusKb(pid, 'VmRSS') / 1024;
  } catch {
    return undefined;
  }
}

/** The process's peak resident set size so far (VmHWM), in MB. */
function peakRssMb(pid) {
  return statusKb(pid, 'VmHWM') / 1024;
}

module.exports = { freePort, rssMb, peakRssMb };
