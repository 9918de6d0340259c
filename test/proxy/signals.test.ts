/**
 * The CLI as a process: SIGTERM drains (no new connections, live ones finish, exit 0), a second SIGTERM exits
 * at once; SIGHUP reloads a valid config and keeps the old one on error.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import { runCli, type CliProcess } from '../helpers/cli.js';
import { startFakeDc, type FakeDc } from '../helpers/fake-dc.js';
import { connectTo } from '../helpers/net.js';
import { obfuscatedClient } from '../helpers/raw-client.js';

const alice = generateSecret('dd');
const bob = generateSecret('dd');
let dc: FakeDc;
let dir: string;
let cli: CliProcess | undefined;

function writeConfig(users: string, drain = '10s'): string {
  const file = join(dir, 'mtshield.toml');
  writeFileSync(
    file,
    `[server]\nlisten = ["127.0.0.1:0"]\nstate_dir = "${join(dir, 'state')}"\ndrain_timeout = "${drain}"\n` +
      `[upstream.dc]\n"2" = ["127.0.0.1:${dc.port}"]\n[admin]\nlisten = "off"\n${users}`,
  );
  return file;
}

async function start(file: string): Promise<number> {
  cli = runCli(['run', '--config', file], dir);
  const line = await cli.waitForLog((l) => l['msg'] === 'listening');
  await cli.waitForLog((l) => l['msg'] === 'ready');
  return line['port'] as number;
}

async function roundTrip(port: number, key: Uint8Array) {
  const client = await obfuscatedClient(port, key);
  client.send(new Uint8Array(64).fill(2));
  expect((await client.receive()).length).toBe(64);
  return client;
}

beforeAll(async () => {
  dc = await startFakeDc();
  dir = mkdtempSync(join(tmpdir(), 'mtshield-cli-'));
});

afterEach(() => {
  cli?.stop();
  cli = undefined;
});

afterAll(async () => {
  await dc.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('signals', () => {
  it('SIGTERM stops accepting, lets live connections finish, then exits 0', async () => {
    const port = await start(writeConfig(`[users.alice]\nsecret = "${formatSecret(alice)}"\n`));
    const live = await roundTrip(port, alice.key);
    cli!.child.kill('SIGTERM');
    await cli!.waitForLog((l) => l['msg'] === 'draining');
    await expect(connectTo(port)).rejects.toThrow(/ECONNREFUSED/);
    live.send(new Uint8Array(32).fill(3)); // still served while draining
    expect((await live.receive()).length).toBe(32);
    live.socket.end();
    expect(await cli!.exited()).toBe(0);
  });

  it('a second SIGTERM exits at once', async () => {
    const port = await start(writeConfig(`[users.alice]\nsecret = "${formatSecret(alice)}"\n`, '60s'));
    const live = await roundTrip(port, alice.key);
    cli!.child.kill('SIGTERM');
    await cli!.waitForLog((l) => l['msg'] === 'draining');
    cli!.child.kill('SIGTERM');
    expect(await cli!.exited(5000)).toBe(1);
    live.socket.destroy();
  });

  it('SIGHUP applies a valid config and keeps the old one on error', async () => {
    const file = writeConfig(`[users.alice]\nsecret = "${formatSecret(alice)}"\n`);
    const port = await start(file);
    writeConfig(`[users.alice]\nsecret = "${formatSecret(alice)}"\n[users.bob]\nsecret = "${formatSecret(bob)}"\n`);
    cli!.child.kill('SIGHUP');
    await cli!.waitForLog((l) => l['msg'] === 'config reloaded');
    (await roundTrip(port, bob.key)).socket.destroy();
    writeFileSync(file, '[server]\nlisten = 42\n');
    cli!.child.kill('SIGHUP');
    await cli!.waitForLog((l) => l['msg'] === 'reload failed; keeping the old config');
    (await roundTrip(port, alice.key)).socket.destroy();
    (await roundTrip(port, bob.key)).socket.destroy();
  });
});
