/**
 * A real `mtshield run` child with the admin API on 127.0.0.1, for tests of run-time changes across SIGHUP and
 * restart: the config file, the admin calls (superuser token from the config), and a check that a fake-TLS or
 * obfuscated2 key gets through to the fake DC.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSecret } from '../../src/protocol/secrets.js';
import { generateAdminToken } from '../../src/security/index.js';
import { runCli, type CliProcess } from './cli.js';
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
    client.socket.on('error', () => {}); // a refusal may reset the connection: that is the answer, not a failure
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
