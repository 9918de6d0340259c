/**
 * A real redis-server for a test file: started on a free loopback port with no persistence, killed after.
 * Every test that needs Redis goes through here, so a machine without redis-server skips those tests (with one
 * line saying how to install it) instead of failing the run with `spawn redis-server ENOENT`. CI (.ci/run)
 * installs redis-server, so they run there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { freePort } from './net.js';
import { which } from './which.js';

export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const INSTALL_HINT = 'redis-server is not on PATH: the tests that need Redis are skipped (install it: apt-get install -y redis-server)';

let warned = false;

/** True when redis-server can be started here; says once (per test file) how to install it when not. */
export function redisAvailable(): boolean {
  const found = which('redis-server') !== undefined;
  if (!found && !warned) {
    warned = true;
    console.warn(INSTALL_HINT);
  }
  return found;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startRedis(): Promise<RedisServer> {
  const binary = which('redis-server');
  if (binary === undefined) throw new Error(INSTALL_HINT);
  const port = await freePort();
  const child: ChildProcess = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited ??= `exited at start (${signal ?? code})`));
  child.once('error', (err) => (exited ??= `could not start: ${err.message}`));
  for (let attempt = 0; attempt < 100; attempt++) {
    if (exited !== undefined) throw new Error(`redis-server ${exited}`);
    if (await canConnect(port)) break;
    await new Promise((r) => setTimeout(r, 50));
    if (attempt === 99) throw new Error('redis-server did not start listening');
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited !== undefined || child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
