/**
 * The package as operators get it: `npm pack`, `npm install -g --prefix <tmp> <tarball>`, then the installed
 * `mtshield` bin (through its shebang, so with the launch settings) from a directory outside the checkout, and
 * `npx --package <tarball> mtshield`. One pack and one install serve every case.
 *
 * Offline as far as npm allows: `--prefer-offline` takes every tarball from the cache that `npm ci` filled, but a
 * global install resolves its dependencies' version ranges, and `npm ci` (which installs from the lock file) never
 * fetched those packuments, so `--offline` fails with ENOTCACHED on a fresh CI machine and the install asks the npm
 * registry for the metadata it lacks. Nothing else is reached: every child runs with the loopback guard, `run`
 * runs on the embedded defaults (0.0.0.0:8443, taking turns with test/proxy/cli-defaults.test.ts through
 * test/helpers/default-ports.ts) and on a loopback config, and `doctor` is not run (it dials the built-in DC table).
 */
import { takeDefaultPorts } from '../helpers/default-ports.js';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseSecret } from '../../src/protocol/secrets.js';
import { packagePath } from '../../src/util/paths.js';
import { runCommand, type CliProcess } from '../helpers/cli.js';
import { GUARD_MARK, writeLoopbackGuard } from '../helpers/loopback-guard.js';
import { writeLoopbackConfig } from './loopback-config.js';

const VERSION = (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare'];

/** The environment without npm's own variables: `npm test` sets npm_config_* for the checkout's project. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
  return { ...env, ...extra };
}

async function npm(args: string[], cwd: string, timeoutMs = 240_000): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)('npm', args, { cwd, env: cleanEnv(), timeout: timeoutMs, maxBuffer: 16 << 20 });
}

let root: string;
let tarball: string;
let packed: string[];
let installStderr: string;
let bin: string;
let installed: string;
let guardUrl: string;
const children: CliProcess[] = [];

/** The installed bin in `cwd`, as an operator runs it, guarded to loopback. */
function mtshield(args: string[], cwd: string): CliProcess {
  const child = runCommand(bin, args, cwd, cleanEnv({ NODE_OPTIONS: `--import ${guardUrl}`, MTSHIELD_CACHE_DIR: join(root, 'cache') }));
  children.push(child);
  return child;
}

async function finished(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = mtshield(args, cwd);
  const code = await child.exited(60_000);
  expect(child.stderr).not.toContain(GUARD_MARK);
  return { code, stdout: child.stdout, stderr: child.stderr };
}

/** A fresh working directory outside the checkout. */
function freshDir(name: string): string {
  return mkdtempSync(join(root, `${name}-`));
}

beforeAll(async () => {
  for (const file of ['dist/src/cli/index.js', 'build/mtshield.wasm', 'build/mtshield-simd.wasm']) {
    if (!existsSync(packagePath(file))) throw new Error(`${file} is missing: the package ships the build; run \`npm run build\` first`);
  }
  root = mkdtempSync(join(tmpdir(), 'mtshield-install-'));
  guardUrl = writeLoopbackGuard(root);
  // The build is current (`npm test` builds first), so the pack skips prepack's second build.
  const pack = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', root], packagePath());
  const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  tarball = join(root, info!.filename);
  packed = info!.files.map((f) => f.path);
  const prefix = join(root, 'prefix');
  const install = await npm(['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], root);
  installStderr = install.stderr;
  bin = join(prefix, 'bin', 'mtshield');
  installed = join(prefix, 'lib', 'node_modules', 'mtshield');
}, 300_000);

afterEach(async () => {
  for (const child of children.splice(0)) {
    child.stop();
    await child.exited(5_000).catch(() => undefined);
  }
});

afterAll(async () => {
  await removeNpxInstall().catch(() => undefined);
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('ships the build, the example config, contrib and docs, and no sources, tests or source maps', () => {
    for (const file of [
      'package.json',
      'README.md',
      'bin/mtshield.js',
      'dist/src/cli/index.js',
      'dist/src/kernels/index.d.ts',
      'build/mtshield.wasm',
      'build/mtshield-simd.wasm',
      'config/mtshield.example.toml',
      'contrib/systemd/mtshield.service',
      'contrib/grafana/mtshield.json',
      'docs/operations.md',
    ]) {
      expect(packed, file).toContain(file);
    }
    const stray = packed.filter((p) => /^(src|test|assembly|bench|node_modules)\//.test(p) || p.endsWith('.map') || p === 'asconfig.json');
    expect(stray).toEqual([]);
  });

  it('needs no install script: none in the packed package.json, none of ours in npm\'s skipped-scripts list', () => {
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
    expect(Object.keys(manifest.scripts ?? {}).filter((s) => INSTALL_SCRIPTS.includes(s))).toEqual([]);
    // npm 11 lists dependencies whose install scripts it skipped; bufferutil and utf-8-validate (optional
    // speed-ups of the ws fallback inside uWebSockets.js, which mtshield does not use) may be there.
    expect(installStderr).not.toMatch(/^npm warn install-scripts\s+mtshield@/m);
    expect(existsSync(bin)).toBe(true);
  });
});

describe('the installed mtshield, outside the checkout', () => {
  it('--version prints the package version', async () => {
    const out = await finished(['--version'], freshDir('version'));
    expect(out).toMatchObject({ code: 0, stdout: `${VERSION}\n` });
  }, 60_000);

  it('generate-secret prints an ee secret for the domain asked for', async () => {
    const out = await finished(['generate-secret', '--mode', 'ee', '--domain', 'example.org'], freshDir('secret'));
    expect(out.code).toBe(0);
    const parsed = parseSecret(out.stdout.trim());
    expect(parsed.mode).toBe('ee');
    expect(parsed.domain).toBe('example.org');
  }, 60_000);

  it('kernels --json loads both WebAssembly builds from the installed package and self-tests them', async () => {
    const out = await finished(['kernels', '--json'], freshDir('kernels'));
    expect(out.code, out.stderr).toBe(0);
    const status = JSON.parse(out.stdout) as { backends: { name: string; path?: string; algorithms: Record<string, { state: string }> }[] };
    const wasm = status.backends.filter((b) => b.name === 'wasm' || b.name === 'wasm-simd');
    expect(wasm.map((b) => b.name).sort()).toEqual(['wasm', 'wasm-simd']);
    for (const backend of wasm) {
      expect(backend.path!.startsWith(join(installed, 'build'))).toBe(true);
      expect(Object.values(backend.algorithms).map((a) => a.state)).not.toContain('failed');
    }
    // The SIMD build runs where the CPU has it; the scalar build must always pass.
    expect(Object.values(wasm.find((b) => b.name === 'wasm')!.algorithms).every((a) => a.state === 'ok')).toBe(true);
  }, 120_000);

  it('access on the embedded defaults makes the default secret in ./.mtshield and prints its links', async () => {
    const dir = freshDir('access');
    const out = await finished(['access'], dir);
    expect(out.code).toBe(0);
    expect(out.stderr).toContain('generated a new fake-TLS secret');
    expect(out.stdout.split('\n')[0]).toBe('default:');
    const links = out.stdout.match(/(?:tg:\/\/|https:\/\/t\.me\/)proxy\?\S+/g) ?? [];
    expect(links).toHaveLength(2);
    const secret = new URL(links[0]!).searchParams.get('secret')!;
    expect(parseSecret(secret).domain).toBe('www.google.com');
    expect((JSON.parse(readFileSync(join(dir, '.mtshield', 'secret.json'), 'utf8')) as { secret: string }).secret).toBe(secret);
  }, 60_000);

  it('run on the embedded defaults listens on 0.0.0.0:8443, prints the links and exits 0 on SIGTERM', async () => {
    const release = await takeDefaultPorts(); // test/proxy/cli-defaults.test.ts runs `run` on the same ports
    try {
      const dir = freshDir('run-defaults');
      const child = mtshield(['run'], dir);
      const exitedEarly = child.exited(60_000).then((code) => Promise.reject(new Error(`run exited (${code}) before "ready": ${child.stdout.slice(-600)}`)));
      await Promise.race([child.waitForLog((l) => l['msg'] === 'ready', 60_000), exitedEarly]);
      exitedEarly.catch(() => undefined);
      expect(child.logs.filter((l) => l['msg'] === 'listening').map((l) => [l['address'], l['port']])).toEqual([['0.0.0.0', 8443]]);
      expect(child.stderr).toContain('generated a new fake-TLS secret');
      expect(child.stderr).toMatch(/tg:\/\/proxy\?server=\S+&port=8443&secret=ee[0-9a-f]+/);
      expect(await connectAndReset(8443)).toBe(true);
      child.child.kill('SIGTERM');
      expect(await child.exited(20_000)).toBe(0);
      expect(child.stderr).not.toContain(GUARD_MARK);
    } finally {
      release();
    }
  }, 300_000);

  it('run listens, prints the links, serves /metrics and exits 0 on SIGTERM', async () => {
    const dir = freshDir('run');
    const secret = (await finished(['generate-secret', '--mode', 'ee', '--domain', 'example.org'], dir)).stdout.trim();
    const config = await writeLoopbackConfig(dir, 'alice', secret);
    const child = mtshield(['run', '--config', config.file], dir);
    const exitedEarly = child.exited(60_000).then((code) => Promise.reject(new Error(`run exited (${code}) before "ready": ${child.stdout.slice(-600)}`)));
    await Promise.race([child.waitForLog((l) => l['msg'] === 'ready', 60_000), exitedEarly]);
    exitedEarly.catch(() => undefined);
    expect(child.logs.filter((l) => l['msg'] === 'listening').map((l) => [l['address'], l['port']])).toEqual([['127.0.0.1', config.port]]);
    expect(child.stderr).toContain(`alice: tg://proxy?server=127.0.0.1&port=${config.port}&secret=${secret}`);
    // The shebang carries the launch settings, so run does not complain about them.
    expect(child.stdout).not.toContain('started without the recommended launch settings');
    const metrics = await fetch(`http://127.0.0.1:${config.adminPort}/metrics`).then((r) => r.text());
    expect(metrics).toContain(`mtshield_build_info{version="${VERSION}"`);
    expect(await connectAndReset(config.port)).toBe(true);
    child.child.kill('SIGTERM');
    expect(await child.exited(20_000)).toBe(0);
    expect(child.stderr).not.toContain(GUARD_MARK);
  }, 120_000);
});

describe('npx', () => {
  it('npx --package <tarball> mtshield --version works from a fresh directory', async () => {
    const dir = freshDir('npx');
    const out = await promisify(execFile)('npx', ['--yes', '--prefer-offline', '--package', tarball, 'mtshield', '--version'], {
      cwd: dir,
      env: cleanEnv({ NODE_OPTIONS: `--import ${guardUrl}` }),
      timeout: 240_000,
    });
    expect(out.stdout).toBe(`${VERSION}\n`);
    expect(out.stderr).not.toContain(GUARD_MARK);
  }, 300_000);
});

/** A TCP connection that is accepted, then reset (no handshake bytes, so nothing is fronted or relayed). */
function connectAndReset(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.resetAndDestroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** npx keeps what it installed under <npm cache>/_npx/<hash>: remove the one made for this run's tarball. */
async function removeNpxInstall(): Promise<void> {
  if (!tarball) return;
  const cache = (await npm(['config', 'get', 'cache'], root)).stdout.trim();
  const npxDir = join(cache, '_npx');
  for (const entry of existsSync(npxDir) ? readdirSync(npxDir) : []) {
    const manifest = join(npxDir, entry, 'package.json');
    if (existsSync(manifest) && readFileSync(manifest, 'utf8').includes(tarball)) rmSync(join(npxDir, entry), { recursive: true, force: true });
  }
}

