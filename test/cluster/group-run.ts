/**
 * `mtshield run` with `[server] workers = 2` as a real process on 127.0.0.1 with the fake DC behind it, for the
 * tests of what the workers share. `groupRun()` registers the hooks (fake DC and a temp dir per file, the
 * process stopped after each test) and returns the helpers. node:cluster hands consecutive connections to
 * alternating workers, so clients opened one after another (`openInTurn`) land on both.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { runCli, type CliProcess } from '../helpers/cli.js';
import { startFakeDc, type FakeDc } from '../helpers/fake-dc.js';
import { freePort } from '../helpers/net.js';
import { obfuscatedClient, type RawClient } from '../helpers/raw-client.js';

export interface GroupRun {
  /** Starts the group with `toml` after [server] and [upstream.dc]; resolves with the proxy and admin ports. */
  start(toml: string, options?: { admin?: boolean }): Promise<{ port: number; adminPort: number }>;
  cli(): CliProcess;
  workerPids(): number[];
}

/** True when `client` gets a 64-byte (or `bytes`) frame echoed back within 3 s. */
export async function relays(client: RawClient, bytes = 64): Promise<boolean> {
  client.socket.on('error', () => {}); // a refused client may see a reset
  try {
    client.send(new Uint8Array(bytes).fill(5));
    return (await client.receive(3_000)).length === bytes;
  } catch {
    return false;
  }
}

/** Opens `count` clients one at a time (so they alternate between the workers) and says which ones relay. */
export async function openInTurn(port: number, key: Uint8Array, count: number, localAddress?: string): Promise<{ clients: RawClient[]; served: boolean[] }> {
  const clients: RawClient[] = [];
  const served: boolean[] = [];
  for (let i = 0; i < count; i++) {
    const client = await obfuscatedClient(port, key, { localAddress });
    clients.push(client);
    served.push(await relays(client));
  }
  return { clients, served };
}

export function groupRun(): GroupRun {
  let dc: FakeDc;
  let dir: string;
  let cli: CliProcess | undefined;
  beforeAll(async () => {
    dc = await startFakeDc();
    dir = mkdtempSync(join(tmpdir(), 'mtshield-group-'));
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
  return {
    async start(toml, options = {}) {
      const port = await freePort();
      const adminPort = options.admin ? await freePort() : 0;
      const file = join(dir, 'mtshield.toml');
      const admin = options.admin ? `[admin]\nlisten = "127.0.0.1:${adminPort}"\n` : '';
      writeFileSync(
        file,
        `[server]\nworkers = 2\nlisten = ["127.0.0.1:${port}"]\nstate_dir = "${join(dir, `state-${port}`)}"\ndrain_timeout = "2s"\n` +
          `[upstream.dc]\n"2" = ["127.0.0.1:${dc.port}"]\n${admin}${toml}\n`,
      );
      cli = runCli(['run', '--config', file], dir);
      await cli.waitForLog((l) => l['msg'] === 'ready' && l['workers'] === 2, 60_000);
      return { port, adminPort };
    },
    cli: () => cli!,
    workerPids: () => [...new Set(cli!.logs.filter((l) => l['msg'] === 'worker ready').map((l) => l['pid'] as number))],
  };
}
