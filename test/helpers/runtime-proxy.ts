/**
 * A real `mtshield run` child with the admin API on 127.0.0.1, for tests of run-time changes across SIGHUP and
 * restart: the config file, the admin calls (superuser token from the config), and a check that a fake-TLS or
 * obfuscated2 key gets through to the fake DC.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { parseSecret } from '../../src/protocol/secrets.js';
import { generateAdminToken } from '../../src/security/index.js';
import { runCli, type CliProcess } from './cli.js';
import { startFakeDc, type FakeDc } from './fake-dc.js';
import { startFrontingSite, type FrontingSite } from './fronting-site.js';
import { fakeTlsClient, obfuscatedClient } from './raw-client.js';

export const ADMIN = generateAdminToken();

export interface RunningProxy {
  cli: CliProcess;
  port: number;
  adminPort: number;
}

/** Writes `<dir>/mtshield.toml`: the proxy and admin on 127.0.0.1:0, DC 2 at `dcPort`, fronting to `sitePort`. */
export function writeProxyConfig(dir: string, ports: { dc: number; site: number }, extra: string): string {
  const file = join(dir, 'mtshield.toml');
  writeFileSync(
    file,
    [
      '[server]',
      'listen = ["127.0.0.1:0"]',
      `state_dir = ${JSON.stringify(join(dir, 'state'))}`,
      '[upstream.dc]',
      `"2" = ["127.0.0.1:${ports.dc}"]`,
      '[fronting]',
      'host = "127.0.0.1"',
      `port = ${ports.site}`,
      '[admin]',
      'listen = "127.0.0.1:0"',
      '[[admin.tokens]]',
      'name = "root"',
      'level = "superuser"',
      `sha256 = "${ADMIN.sha256}"`,
      extra,
      '',
    ].join('\n'),
  );
  return file;
}

export async function startProxy(file: string, cwd: string): Promise<RunningProxy> {
  const cli = runCli(['run', '--config', file], cwd);
  const admin = await cli.waitForLog((l) => l['msg'] === 'admin plane listening');
  const listening = cli.logs.find((l) => l['msg'] === 'listening') ?? (await cli.waitForLog((l) => l['msg'] === 'listening'));
  await cli.waitForLog((l) => l['msg'] === 'ready');
  return { cli, port: listening['port'] as number, adminPort: admin['port'] as number };
}

/** SIGHUP, then waits for the reload to be applied. */
export async function sighup(proxy: RunningProxy): Promise<void> {
  const before = proxy.cli.logs.filter((l) => l['msg'] === 'config reloaded').length;
  proxy.cli.child.kill('SIGHUP');
  await proxy.cli.waitForLog(() => proxy.cli.logs.filter((l) => l['msg'] === 'config reloaded').length > before);
}

export async function api(proxy: RunningProxy, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`http://127.0.0.1:${proxy.adminPort}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** Whether a client with this secret (hex, as the API answers it) gets a round trip through the proxy. */
export async function keyWorks(port: number, secretHex: string): Promise<boolean> {
  const { key, domain } = parseSecret(secretHex);
  try {
    const client = domain ? await fakeTlsClient(port, key, domain) : await obfuscatedClient(port, key);
    // A refused key is closed, reset or fronted (the site's bytes do not decode): each is the answer "no".
    client.socket.on('error', () => {});
    for (const listener of client.socket.listeners('data') as ((chunk: Buffer) => void)[]) {
      client.socket.off('data', listener);
      client.socket.on('data', (chunk: Buffer) => {
        try {
          listener(chunk);
        } catch {
          client.socket.destroy();
        }
      });
    }
    try {
      client.send(new Uint8Array(64).fill(7));
      return (await client.receive(3000)).length === 64;
    } finally {
      client.socket.destroy();
    }
  } catch {
    return false;
  }
}

/** One test file's fake DC, fronting site, state dir and proxy child, set up and torn down by vitest hooks. */
export interface RuntimeFixture {
  dc: FakeDc;
  site: FrontingSite;
  dir: string;
  proxy: RunningProxy | undefined;
  /** A fresh state dir with its config file (see writeProxyConfig); returns the file. */
  configFile(extra: string): string;
  /** Rewrites the config file in the current dir. */
  rewrite(extra: string): string;
  start(file: string): Promise<RunningProxy>;
  /** Stops the child (SIGTERM, waits for the exit) and starts a new one on the same config and state dir. */
  restart(file: string): Promise<RunningProxy>;
}

export function runtimeFixture(): RuntimeFixture {
  const f = { dir: '', proxy: undefined } as RuntimeFixture;
  beforeAll(async () => {
    f.dc = await startFakeDc();
    f.site = await startFrontingSite();
  });
  afterEach(async () => {
    const cli = f.proxy?.cli;
    f.proxy = undefined;
    if (cli) {
      cli.stop();
      // SIGKILL lands asynchronously: until the child is gone it may still write into its state dir (ENOTEMPTY).
      await cli.exited(5000).catch(() => undefined);
    }
    if (f.dir) rmSync(f.dir, { recursive: true, force: true, maxRetries: 5 });
  });
  afterAll(async () => {
    await f.dc?.close();
    await f.site?.close();
  });
  f.rewrite = (extra) => writeProxyConfig(f.dir, { dc: f.dc.port, site: f.site.port }, extra);
  f.configFile = (extra) => {
    f.dir = mkdtempSync(join(tmpdir(), 'mtshield-runtime-'));
    return f.rewrite(extra);
  };
  f.start = async (file) => (f.proxy = await startProxy(file, f.dir));
  f.restart = async (file) => {
    f.proxy?.cli.stop();
    await f.proxy?.cli.exited();
    return f.start(file);
  };
  return f;
}
