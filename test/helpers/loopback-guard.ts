/**
 * A `--import` module for child processes that must never reach past loopback (the embedded defaults front
 * failed clients to www.google.com and relay to real Telegram DCs): it refuses, and reports on stderr, every
 * outbound TCP connection that is not to 127.0.0.1 / ::1. Tests look for GUARD_MARK in the child's stderr.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const GUARD_MARK = 'TEST-GUARD: blocked';

const GUARD = `import net from 'node:net';
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost', '::ffff:127.0.0.1']);
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  let first = args[0];
  if (Array.isArray(first)) first = first[0];
  let host;
  let ipc = false;
  if (first !== null && typeof first === 'object') {
    host = first.host;
    ipc = typeof first.path === 'string';
  } else if (typeof first === 'string' && !/^\\d+$/.test(first)) {
    ipc = true;
  } else if (typeof args[1] === 'string') {
    host = args[1];
  }
  if (!ipc && host !== undefined && !LOOPBACK.has(host)) {
    process.stderr.write('${GUARD_MARK} an outbound connection to ' + host + '\\n');
    process.nextTick(() => this.destroy(new Error('blocked by the test guard')));
    return this;
  }
  return connect.apply(this, args);
};
`;

/** Writes the guard into `dir` and returns its file URL, for `--import URL` or NODE_OPTIONS. */
export function writeLoopbackGuard(dir: string): string {
  const file = join(dir, 'loopback-guard.mjs');
  writeFileSync(file, GUARD);
  return pathToFileURL(file).href;
}
