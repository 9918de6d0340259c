/**
 * `mtshield` on its embedded defaults, as an operator starts it: the shipped bin (bin/mtshield.js, which loads
 * dist/: `npm test` builds first) with the launch settings of src/util/launch.ts, in a fresh working directory.
 *
 * - `run` without --config listens on 0.0.0.0:8443, prints one fake-TLS user's tg:// and t.me links to stderr
 *   (never stdout, the log stream), keeps the secret in ./.mtshield/secret.json (0600), exits 0 on SIGTERM and
 *   prints the same secret on the next start in that directory.
 * - `access` without --config prints the links `run` printed.
 * - `generate-secret`: plain, base64url and ee with a domain parse back to what was asked for.
 * (`access --qr` is covered by cli.test.ts.)
 *
 * Nothing here may reach past 127.0.0.1: the defaults front failed clients to www.google.com and relay to real
 * Telegram DCs. So the probe connection is reset (a FIN would be a `truncated` handshake and be fronted), and
 * every child runs with a guard (--import) that refuses and reports any non-loopback outbound connection.
 */
import { takeDefaultPorts } from '../helpers/default-ports.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseSecret } from '../../src/protocol/secrets.js';
import { RUN_ENV, RUN_NODE_FLAGS } from '../../src/util/launch.js';
import { GUARD_MARK, writeLoopbackGuard } from '../helpers/loopback-guard.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'mtshield.js');
const PROXY_PORT = 8443;
const ADMIN_PORT = 9100;
let root: string;
let guardUrl: string;
const children: Child[] = [];

interface Child {
  proc: ChildProcess;
  stdout: string;
  stderr: string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function spawnBin(args: string[], cwd: string): Child {
  const env: NodeJS.ProcessEnv = { ...process.env, ...RUN_ENV, MTSHIELD_CACHE_DIR: cwd };
  delete env['MTSHIELD_STATE_DIR']; // the default state dir (./.mtshield) is under test
  const proc = spawn(process.execPath, [...RUN_NODE_FLAGS, '--import', guardUrl, BIN, ...args], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const child: Child = {
    proc,
    stdout: '',
    stderr: '',
    exit: new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal }))),
  };
  proc.stdout!.on('data', (chunk: Buffer) => (child.stdout += chunk.toString()));
  proc.stderr!.on('data', (chunk: Buffer) => (child.stderr += chunk.toString()));
  children.push(child);
  return child;
}

function tails(child: Child): string {
  return `\nstdout: ${child.stdout.slice(-800)}\nstderr: ${child.stderr.slice(-800)}`;
}

/** Resolves when `pred` holds; rejects after `timeoutMs` or when the child exits first. */
function waitUntil(child: Child, pred: () => boolean, what: string, timeoutMs = 25_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let exited = false;
    void child.exit.then(() => (exited = true));
    const started = Date.now();
    const timer = setInterval(() => {
      if (pred()) {
        clearInterval(timer);
        resolve();
      } else if (exited) {
        clearInterval(timer);
        reject(new Error(`mtshield exited before ${what}:${tails(child)}`));
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error(`${what}: not seen within ${timeoutMs} ms:${tails(child)}`));
      }
    }, 50);
  });
}

async function exitWithin(child: Child, timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`mtshield did not exit within ${timeoutMs} ms:${tails(child)}`)), timeoutMs);
  });
  try {
    return await Promise.race([child.exit, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A one-shot command: its exit (bounded), stdout and stderr. */
async function command(args: string[], cwd: string) {
  const child = spawnBin(args, cwd);
  const { code } = await exitWithin(child, 20_000);
  return { code, stdout: child.stdout, stderr: child.stderr };
}

function logLines(child: Child): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const line of child.stdout.split('\n')) {
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // not a log line
    }
  }
  return lines;
}

/** Fails with a clear message (instead of a child that cannot start) when a port the defaults need is taken. */
async function assertFree(host: string, port: number, what: string): Promise<void> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `port ${port} (${what}) is already in use on this machine (${err.code}); ` +
            '`mtshield run` on its embedded defaults needs it: free it and run this file again',
        ),
      ),
    );
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
  });
}

/** Opens a TCP connection and resets it: no handshake bytes, no FIN (a FIN would be fronted to the ee domain). */
function probe(port: number, timeoutMs = 5_000): Promise<'connected' | string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('timeout');
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.resetAndDestroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(err.code ?? err.message);
    });
  });
}

/** The host `links.ts` puts in links when nothing names one: the first non-internal IPv4, else 127.0.0.1. */
function expectedLinkHost(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal && a.family === 'IPv4') return a.address;
  }
  return '127.0.0.1';
}

interface PrintedLink {
  user: string;
  link: string;
}

const LINK = String.raw`(?:tg://|https://t\.me/)proxy\?\S+`;

/** `run` (stderr): `  NAME: tg://…` and `  NAME: https://t.me/proxy?…` lines. */
function runLinks(text: string): PrintedLink[] {
  return [...text.matchAll(new RegExp(String.raw`^\s+([\w.-]+): (${LINK})$`, 'gm'))].map((m) => ({ user: m[1]!, link: m[2]! }));
}

/** `access` (stdout): a `NAME:` line, then that user's links indented. */
function accessLinks(text: string): PrintedLink[] {
  const out: PrintedLink[] = [];
  let user = '';
  for (const line of text.split('\n')) {
    const name = /^([\w.-]+):$/.exec(line);
    if (name) user = name[1]!;
    const link = new RegExp(String.raw`^\s+(${LINK})$`).exec(line);
    if (link) out.push({ user, link: link[1]! });
  }
  return out;
}

/** Checks one user with an ee secret for www.google.com on the default port; returns the secret. */
function checkDefaultLinks(links: PrintedLink[]): string {
  expect(links.map((l) => l.user)).toEqual(['default', 'default']);
  const tg = links.find((l) => l.link.startsWith('tg://proxy?'));
  const https = links.find((l) => l.link.startsWith('https://t.me/proxy?'));
  expect(tg, 'a tg:// link').toBeDefined();
  expect(https, 'an https://t.me/proxy link').toBeDefined();
  const secrets = new Set<string>();
  for (const { link } of [tg!, https!]) {
    const params = new URL(link).searchParams;
    expect([...params.keys()]).toEqual(['server', 'port', 'secret']);
    expect(params.get('server')).toBe(expectedLinkHost());
    expect(params.get('port')).toBe(String(PROXY_PORT));
    const secret = params.get('secret')!;
    expect(secret).toMatch(/^ee[0-9a-f]{32}[0-9a-f]+$/);
    const parsed = parseSecret(secret);
    expect(parsed.mode).toBe('ee');
    expect(parsed.domain).toBe('www.google.com');
    secrets.add(secret);
  }
  expect(secrets.size).toBe(1);
  return [...secrets][0]!;
}

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'index.js'))) {
    throw new Error('dist/ is missing: this file runs the shipped bin (bin/mtshield.js loads dist/); run `npm run build` first');
  }
  root = mkdtempSync(join(tmpdir(), 'mtshield-cli-defaults-'));
  guardUrl = writeLoopbackGuard(root);
});

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.proc.exitCode === null && child.proc.signalCode === null) {
      child.proc.kill('SIGKILL');
      await exitWithin(child, 5_000).catch(() => undefined);
    }
  }
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('mtshield run on the embedded defaults (no --config)', () => {
  let dir: string;
  let firstSecret: string | undefined;
  let firstLinks: string[] = [];
  const stateFile = () => join(dir, '.mtshield', 'secret.json');

  let releasePorts: (() => void) | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(root, 'run-'));
    releasePorts = await takeDefaultPorts(); // the installed-package test runs `run` on the same ports
  }, 250_000);
  afterAll(() => releasePorts?.());

  /** Starts `run`, checks what every start must do and stops it with SIGTERM; returns the printed links. */
  async function startAndStop(): Promise<{ secret: string; links: string[]; stderr: string }> {
    await assertFree('0.0.0.0', PROXY_PORT, 'the proxy');
    await assertFree('127.0.0.1', ADMIN_PORT, 'the admin plane');
    const child = spawnBin(['run'], dir);
    await waitUntil(child, () => logLines(child).some((l) => l['msg'] === 'ready'), 'the "ready" log line');

    const listening = logLines(child).filter((l) => l['msg'] === 'listening');
    expect(listening.map((l) => [l['address'], l['port']])).toEqual([['0.0.0.0', PROXY_PORT]]);
    const links = runLinks(child.stderr);
    const secret = checkDefaultLinks(links);
    // Links carry the secret: terminal (stderr) only, never the log stream.
    expect(child.stdout).not.toContain(secret.slice(2, 34));
    expect(child.stdout).not.toContain('tg://');
    // Started with the launch settings, so it must not complain about them.
    expect(child.stdout).not.toContain('started without the recommended launch settings');

    expect(await probe(PROXY_PORT)).toBe('connected');

    child.proc.kill('SIGTERM');
    const { code, signal } = await exitWithin(child, 10_000);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(child.stderr).not.toContain(GUARD_MARK);
    // The port was the child's: it is released with the process.
    expect(await probe(PROXY_PORT)).toBe('ECONNREFUSED');
    return { secret, links: links.map((l) => l.link), stderr: child.stderr };
  }

  it('first start: listens on 0.0.0.0:8443, prints one ee user\'s links, keeps the secret, exits 0 on SIGTERM', async () => {
    expect(existsSync(stateFile())).toBe(false);
    const { secret, links, stderr } = await startAndStop();
    expect(stderr).toContain('generated a new fake-TLS secret');
    expect(existsSync(stateFile()), 'state file ./.mtshield/secret.json').toBe(true);
    const saved = JSON.parse(readFileSync(stateFile(), 'utf8')) as { secret?: unknown };
    expect(saved.secret).toBe(secret);
    expect(statSync(stateFile()).mode & 0o777).toBe(0o600);
    firstSecret = secret;
    firstLinks = links;
  }, 60_000);

  it('a second start in the same directory prints the same secret (kept, not regenerated)', async () => {
    expect(firstSecret, 'the first start must have run').toBeDefined();
    const before = readFileSync(stateFile(), 'utf8');
    const { secret, links, stderr } = await startAndStop();
    expect(secret).toBe(firstSecret);
    expect(links).toEqual(firstLinks);
    expect(stderr).not.toContain('generated a new');
    expect(readFileSync(stateFile(), 'utf8')).toBe(before);
  }, 60_000);

  it('access without --config prints the links run printed', async () => {
    expect(firstLinks, 'the first start must have run').toHaveLength(2);
    const before = readFileSync(stateFile(), 'utf8');
    const out = await command(['access'], dir);
    expect(out.code).toBe(0);
    expect(out.stdout.split('\n')[0]).toBe('default:');
    const links = accessLinks(out.stdout);
    expect(links.map((l) => l.link)).toEqual(firstLinks);
    expect(checkDefaultLinks(links)).toBe(firstSecret);
    expect(out.stderr).toBe('');
    expect(readFileSync(stateFile(), 'utf8')).toBe(before);
  }, 30_000);

  it('access in a directory with no state says it made the secret, and keeps it for run', async () => {
    const fresh = mkdtempSync(join(root, 'access-first-'));
    const first = await command(['access'], fresh);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('generated a new fake-TLS secret');
    const again = await command(['access'], fresh);
    expect(again.stderr).toBe('');
    expect(accessLinks(again.stdout).map((l) => l.link)).toEqual(accessLinks(first.stdout).map((l) => l.link));
  }, 30_000);
});

describe('mtshield generate-secret', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(root, 'gen-'));
  });

  it('--mode plain prints 32 hex characters that parse as a plain secret, new each time', async () => {
    const a = await command(['generate-secret', '--mode', 'plain'], dir);
    const b = await command(['generate-secret', '--mode', 'plain'], dir);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/^[0-9a-f]{32}\n$/);
    expect(parseSecret(a.stdout).mode).toBe('plain');
    expect(b.stdout).toMatch(/^[0-9a-f]{32}\n$/);
    expect(b.stdout).not.toBe(a.stdout);
  }, 30_000);

  it('--encoding base64url prints unpadded base64url that parses to the mode asked for', async () => {
    const cases = [
      { args: ['--mode', 'plain'], mode: 'plain', bytes: 16 },
      { args: ['--mode', 'dd'], mode: 'dd', bytes: 17 },
      { args: ['--mode', 'ee', '--domain', 'example.org'], mode: 'ee', bytes: 17 + 'example.org'.length },
    ];
    for (const c of cases) {
      const out = await command(['generate-secret', ...c.args, '--encoding', 'base64url'], dir);
      expect(out.code).toBe(0);
      const text = out.stdout.trim();
      expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(text).toHaveLength(Math.ceil((c.bytes * 4) / 3));
      expect(Buffer.from(text, 'base64url')).toHaveLength(c.bytes);
      const parsed = parseSecret(text);
      expect(parsed.mode).toBe(c.mode);
      if (c.mode === 'ee') expect(parsed.domain).toBe('example.org');
    }
    const bad = await command(['generate-secret', '--encoding', 'base32'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
  }, 30_000);

  it('--mode ee --domain example.org round-trips the domain', async () => {
    const out = await command(['generate-secret', '--mode', 'ee', '--domain', 'example.org'], dir);
    expect(out.code).toBe(0);
    const text = out.stdout.trim();
    expect(text).toMatch(new RegExp(`^ee[0-9a-f]{32}${Buffer.from('example.org').toString('hex')}$`));
    const parsed = parseSecret(text);
    expect(parsed.mode).toBe('ee');
    expect(parsed.domain).toBe('example.org');
  }, 30_000);
});
