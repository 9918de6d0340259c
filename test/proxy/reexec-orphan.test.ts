/**
 * A relaunched proxy (src/util/launch.ts) never outlives the parent that relaunched it, and a proxy whose output
 * reader has gone still stops on SIGTERM: the two ways test runs used to leave orphaned proxies behind that
 * only SIGKILL ended (a parent killed while its child was still starting; stdout/stderr closed under the proxy).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RUN_ENV } from '../../src/util/launch.js';

const ENTRY = fileURLToPath(new URL('../helpers/cli-entry.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;

let dir: string;
let config: string;
let port: number;
const started: number[] = [];

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function gone(pid: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (alive(pid) && Date.now() < until) await sleep(50);
  return !alive(pid);
}

/** `mtshield run` from source without the launch settings, stdio piped to this process; env added. */
function startRun(env: Record<string, string>) {
  const base: NodeJS.ProcessEnv = { ...process.env, MTSHIELD_CACHE_DIR: dir, ...env };
  for (const name of [...Object.keys(RUN_ENV), 'NODE_OPTIONS', 'MTSHIELD_REEXEC']) delete base[name];
  if (env['MTSHIELD_NO_REEXEC'] === undefined) delete base['MTSHIELD_NO_REEXEC'];
  const child = spawn(process.execPath, ['--import', TSX, ENTRY, 'run', '--config', config], { cwd: dir, env: base, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.resume();
  child.stderr.resume();
  started.push(child.pid!);
  return child;
}

/** The relaunched child of this config: found in /proc by its marker and command line, as soon as it exists. */
async function relaunched(timeoutMs = 20_000): Promise<number> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(config)) continue;
        if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes('MTSHIELD_REEXEC=1')) return Number(entry);
      } catch {
        // gone meanwhile, or not ours to read
      }
    }
    await sleep(20);
  }
  throw new Error('no relaunched child seen');
}

async function listening(timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => resolve(true)).on('error', () => resolve(false));
      socket.setTimeout(1000, () => resolve(false));
      setTimeout(() => socket.destroy(), 1000).unref();
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error('proxy never listened');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mtshield-orphan-'));
  config = join(dir, 'mtshield.toml');
  port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address() as { port: number };
      probe.close(() => resolve(free));
    });
  });
  writeFileSync(
    config,
    `[server]\nlisten = ["127.0.0.1:${port}"]\nstate_dir = "${join(dir, 'state')}"\ndrain_timeout = "2s"\n[admin]\nlisten = "off"\n` +
      `[users.alice]\nsecret = "dd000102030405060708090a0b0c0d0e0f"\n`,
  );
});

afterEach(() => {
  // Whatever a test left running (the point of these tests is that nothing is): SIGKILL, by pid.
  for (const pid of started.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a relaunched proxy and its parent', () => {
  it('a parent killed while the proxy is still starting takes the proxy with it', async () => {
    const parent = startRun({});
    const pid = await relaunched();
    started.push(pid);
    parent.kill('SIGKILL'); // the child is still loading its modules: the channel closes before anyone listens
    expect(await gone(pid, 20_000)).toBe(true);
  });
});

describe('a proxy whose output reader has gone', () => {
  it('still stops on SIGTERM, within the drain timeout', async () => {
    const run = startRun({ MTSHIELD_NO_REEXEC: '1' });
    run.stdout.destroy(); // the reader goes before the proxy printed its links and "ready"
    run.stderr.destroy();
    await listening();
    run.kill('SIGTERM');
    expect(await gone(run.pid!, 10_000)).toBe(true);
  });
});
