/**
 * `mtshield run` started without the launch settings (as `node bin/mtshield.js run` in a unit or an image is) runs
 * itself once more with them: same arguments, stdio shared, signals passed on, exit status passed back; and it
 * does not when the operator opts out (MTSHIELD_NO_REEXEC=1 or --no-reexec).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RUN_ENV, RUN_NODE_FLAGS, relaunchPlan } from '../../src/util/launch.js';
import { runCommand, type CliProcess } from '../helpers/cli.js';

const ENTRY = fileURLToPath(new URL('../helpers/cli-entry.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;
const LAUNCH_VARS = [...Object.keys(RUN_ENV), 'NODE_OPTIONS', 'MTSHIELD_REEXEC', 'MTSHIELD_NO_REEXEC'];

let dir: string;
let config: string;
let cli: CliProcess | undefined;

/** `node --import tsx cli-entry.ts run …` with none of the launch settings in its environment. */
function startBare(args: string[], env: Record<string, string> = {}): CliProcess {
  const saved = LAUNCH_VARS.map((name) => [name, process.env[name]] as const);
  for (const name of LAUNCH_VARS) delete process.env[name];
  try {
    cli = runCommand(process.execPath, ['--import', TSX, ENTRY, ...args], dir, env);
  } finally {
    for (const [name, value] of saved) if (value !== undefined) process.env[name] = value;
  }
  return cli;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function gone(pid: number, timeoutMs = 15_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (alive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  return !alive(pid);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mtshield-reexec-'));
  config = join(dir, 'mtshield.toml');
  writeFileSync(
    config,
    `[server]\nlisten = ["127.0.0.1:0"]\nstate_dir = "${join(dir, 'state')}"\ndrain_timeout = "2s"\n[admin]\nlisten = "off"\n` +
      `[users.alice]\nsecret = "dd000102030405060708090a0b0c0d0e0f"\n`,
  );
});

afterEach(() => {
  cli?.stop();
  cli = undefined;
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('relaunchPlan', () => {
  it('adds only what is missing, keeps the arguments, marks the child, and honours the opt-out', () => {
    const argv = ['/usr/bin/node', '/opt/mtshield/bin/mtshield.js', 'run', '--config', '/etc/m.toml'];
    const plan = relaunchPlan(['--enable-source-maps'], { PATH: '/bin' }, argv, '/usr/bin/node')!;
    expect(plan.command).toBe('/usr/bin/node');
    expect(plan.args).toEqual([...RUN_NODE_FLAGS, '--enable-source-maps', ...argv.slice(1)]);
    expect(plan.env).toEqual({ PATH: '/bin', ...RUN_ENV, MTSHIELD_REEXEC: '1' });
    const onlyEnv = relaunchPlan([...RUN_NODE_FLAGS], {}, argv, '/usr/bin/node')!;
    expect(onlyEnv.args).toEqual([...RUN_NODE_FLAGS, ...argv.slice(1)]);
    expect(relaunchPlan([...RUN_NODE_FLAGS], { ...RUN_ENV }, argv)).toBeUndefined();
    expect(relaunchPlan([], { MTSHIELD_REEXEC: '1' }, argv)).toBeUndefined();
    expect(relaunchPlan([], { MTSHIELD_NO_REEXEC: '1' }, argv)).toBeUndefined();
    expect(relaunchPlan([], { MTSHIELD_NO_REEXEC: '0' }, argv)).toBeDefined();
  });
});

describe('mtshield run without the launch settings', () => {
  it('runs again with them; SIGHUP and SIGTERM reach the proxy; its exit status comes back', async () => {
    const run = startBare(['run', '--config', config]);
    const ready = await run.waitForLog((l) => l['msg'] === 'ready');
    const pid = ready['pid'] as number;
    expect(pid).not.toBe(run.child.pid);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    for (const flag of RUN_NODE_FLAGS) expect(cmdline).toContain(flag);
    expect(cmdline.slice(-3)).toEqual(['run', '--config', config]);
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    for (const [name, value] of Object.entries(RUN_ENV)) expect(environ).toContain(`${name}=${value}`);
    expect(run.stdout).not.toContain('started without the recommended launch settings');
    run.child.kill('SIGHUP');
    await run.waitForLog((l) => l['msg'] === 'config reloaded');
    run.child.kill('SIGTERM');
    await run.waitForLog((l) => l['msg'] === 'draining');
    expect(await run.exited()).toBe(0);
    expect(await gone(pid)).toBe(true);
  });

  it('passes a failing exit status back (a missing config file: 2)', async () => {
    const run = startBare(['run', '--config', join(dir, 'absent.toml')]);
    expect(await run.exited()).toBe(2);
  });

  it('a parent killed outright takes the proxy with it', async () => {
    const run = startBare(['run', '--config', config]);
    const pid = (await run.waitForLog((l) => l['msg'] === 'ready'))['pid'] as number;
    run.child.kill('SIGKILL');
    expect(await gone(pid)).toBe(true);
  });

  for (const [how, args, env] of [
    ['MTSHIELD_NO_REEXEC=1', ['run', '--config'], { MTSHIELD_NO_REEXEC: '1' }],
    ['--no-reexec', ['run', '--no-reexec', '--config'], {}],
  ] as const) {
    it(`${how}: runs as started and says what is missing`, async () => {
      const run = startBare([...args, config], env);
      const ready = await run.waitForLog((l) => l['msg'] === 'ready');
      expect(ready['pid']).toBe(run.child.pid);
      const missing = await run.waitForLog((l) => typeof l['msg'] === 'string' && (l['msg'] as string).startsWith('started without'));
      expect(missing['missing']).toEqual([...RUN_NODE_FLAGS, ...Object.entries(RUN_ENV).map(([k, v]) => `${k}=${v}`)]);
      run.child.kill('SIGTERM');
      expect(await run.exited()).toBe(0);
    });
  }
});
