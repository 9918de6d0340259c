/**
 * `[server] workers = 2` end to end: `mtshield run` as a real process (node:cluster primary + two workers on
 * 127.0.0.1), the fake DC behind it. A hello replayed to the other worker is refused (one replay window in the
 * primary); /metrics sums both workers; a worker killed with SIGKILL loses only its own clients and comes back;
 * SIGHUP (validated once) reaches both workers; SIGTERM drains both under load.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildClientHeader } from '../../src/protocol/obfuscated2.js';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import { runCli, type CliProcess } from '../helpers/cli.js';
import { startFakeDc, type FakeDc } from '../helpers/fake-dc.js';
import { freePort, waitForPeerClose } from '../helpers/net.js';
import { obfuscatedClient, type RawClient } from '../helpers/raw-client.js';

const alice = generateSecret('dd');
const bob = generateSecret('dd');
let dc: FakeDc;
let dir: string;
let cli: CliProcess | undefined;

function writeConfig(port: number, adminPort: number, users: string): string {
  const file = join(dir, 'mtshield.toml');
  writeFileSync(
    file,
    `[server]\nworkers = 2\nlisten = ["127.0.0.1:${port}"]\nstate_dir = "${join(dir, 'state')}"\ndrain_timeout = "3s"\n` +
      `[upstream.dc]\n"2" = ["127.0.0.1:${dc.port}"]\n[admin]\nlisten = "127.0.0.1:${adminPort}"\n${users}`,
  );
  return file;
}

const users = (...names: ('alice' | 'bob')[]) => names.map((n) => `[users.${n}]\nsecret = "${formatSecret(n === 'alice' ? alice : bob)}"\n`).join('');

async function start(usersToml: string) {
  const port = await freePort();
  const adminPort = await freePort();
  const file = writeConfig(port, adminPort, usersToml);
  cli = runCli(['run', '--config', file], dir);
  await cli.waitForLog((l) => l['msg'] === 'ready' && l['workers'] === 2, 60_000);
  const workers = () => cli!.logs.filter((l) => l['msg'] === 'worker ready').map((l) => l['pid'] as number);
  return { port, adminPort, file, workers };
}

async function relays(client: RawClient): Promise<boolean> {
  client.socket.on('error', () => {}); // a refused client may see a reset
  try {
    client.send(new Uint8Array(64).fill(5));
    return (await client.receive(3_000)).length === 64;
  } catch {
    return false;
  }
}

async function metrics(adminPort: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
}

function metricValue(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').pop()) : NaN;
}

beforeAll(async () => {
  dc = await startFakeDc();
  dir = mkdtempSync(join(tmpdir(), 'mtshield-workers-'));
});

afterEach(async () => {
  if (cli && cli.child.exitCode === null) {
    cli.child.kill('SIGTERM');
    await cli.exited(15_000).catch(() => cli?.stop());
  }
  cli = undefined;
});

afterAll(async () => {
  await dc.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('two workers', () => {
  it('a hello replayed to the other worker is refused, and /metrics sums both workers', async () => {
    const { port, adminPort, workers } = await start(users('alice'));
    expect(new Set(workers()).size).toBe(2);
    const header = buildClientHeader(alice.key, 'padded', 2);
    const first = await obfuscatedClient(port, alice.key, { header });
    expect(await relays(first)).toBe(true);
    // Round-robin hands consecutive connections to alternating workers: every replay is refused, on both.
    for (let i = 0; i < 4; i++) {
      const replay = await obfuscatedClient(port, alice.key, { header });
      expect(await relays(replay)).toBe(false);
      replay.socket.destroy();
    }
    first.socket.destroy();
    const fresh = await Promise.all([0, 1, 2, 3].map(() => obfuscatedClient(port, alice.key)));
    for (const c of fresh) expect(await relays(c)).toBe(true);
    for (const c of fresh) c.socket.destroy();
    const text = await metrics(adminPort);
    // build_info is 1 per worker: the sum shows both answered.
    expect(metricValue(text, 'mtshield_build_info')).toBe(2);
    expect(metricValue(text, 'mtshield_connections_accepted_total')).toBe(9);
  }, 90_000);

  it('a worker killed with SIGKILL: its clients close, the other worker keeps serving, it comes back', async () => {
    const { port, workers } = await start(users('alice'));
    const clients: RawClient[] = [];
    for (let i = 0; i < 4; i++) {
      clients.push(await obfuscatedClient(port, alice.key)); // one at a time: round-robin spreads them
      expect(await relays(clients[i]!)).toBe(true);
    }
    const [victim] = workers();
    const readyBefore = workers().length;
    process.kill(victim!, 'SIGKILL');
    const closed = await Promise.all(clients.map((c) => waitForPeerClose(c.socket, 3_000)));
    // The victim's clients closed, the other worker's did not.
    expect(closed.filter(Boolean).length).toBeGreaterThan(0);
    expect(closed.filter(Boolean).length).toBeLessThan(4);
    for (const [i, c] of clients.entries()) if (!closed[i]) expect(await relays(c)).toBe(true);
    await cli!.waitForLog((l) => l['msg'] === 'worker ready' && !workers().slice(0, readyBefore).includes(l['pid'] as number), 30_000);
    const again = await Promise.all([0, 1].map(() => obfuscatedClient(port, alice.key)));
    for (const c of again) expect(await relays(c)).toBe(true);
    for (const c of [...clients, ...again]) c.socket.destroy();
  }, 90_000);

  it('SIGHUP is validated once and reaches both workers; SIGTERM drains both under load', async () => {
    const { port, file } = await start(users('alice'));
    const load = await Promise.all([0, 1, 2, 3].map(() => obfuscatedClient(port, alice.key)));
    for (const c of load) expect(await relays(c)).toBe(true);
    writeFileSync(file, '[server]\nlisten = 42\n'); // invalid: refused once, workers keep the old config
    cli!.child.kill('SIGHUP');
    await cli!.waitForLog((l) => l['msg'] === 'reload failed; keeping the old config');
    for (const c of load) expect(await relays(c)).toBe(true);
    writeConfig(port, 0, users('alice', 'bob'));
    // The admin port is read once at start; only users change here.
    cli!.child.kill('SIGHUP');
    await cli!.waitForLog((l) => l['msg'] === 'config reloaded; sent to every worker');
    await new Promise((r) => setTimeout(r, 500));
    for (let i = 0; i < 4; i++) {
      const b = await obfuscatedClient(port, bob.key);
      expect(await relays(b)).toBe(true);
      b.socket.destroy();
    }
    const started = Date.now();
    cli!.child.kill('SIGTERM');
    expect(await cli!.exited(20_000)).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    for (const c of load) expect(await waitForPeerClose(c.socket, 1_000)).toBe(true);
  }, 90_000);
});
