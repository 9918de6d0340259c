/**
 * Issue 11, reproduced 1 (rules and blocks): an operator shuts a source out at run time, with an API deny rule
 * placed above the config's allow, or with a block. The attacker waits for a SIGHUP or a restart, after which
 * the API rule used to fall below the config rules and in-memory blocks were gone. A real `mtshield run` child.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import { startFakeDc, type FakeDc } from '../helpers/fake-dc.js';
import { startFrontingSite, type FrontingSite } from '../helpers/fronting-site.js';
import { api, keyWorks, sighup, startProxy, writeProxyConfig, type RunningProxy } from '../helpers/runtime-proxy.js';

const alice = formatSecret(generateSecret('dd'));
let dc: FakeDc;
let site: FrontingSite;
let dir: string;
let proxy: RunningProxy | undefined;

beforeAll(async () => {
  dc = await startFakeDc();
  site = await startFrontingSite();
});

afterEach(() => {
  proxy?.cli.stop();
  proxy = undefined;
  rmSync(dir, { recursive: true, force: true });
});

afterAll(async () => {
  await dc.close();
  await site.close();
});

async function restart(file: string): Promise<void> {
  proxy!.cli.stop();
  await proxy!.cli.exited();
  proxy = await startProxy(file, dir);
}

describe('run-time refusals across SIGHUP and restart', () => {
  it('an address denied by an API rule placed above a config allow cannot get in after SIGHUP or a restart', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mtshield-acl-attack-'));
    const file = writeProxyConfig(
      dir,
      { dc: dc.port, site: site.port },
      `[users.alice]\nsecret = "${alice}"\n[access]\ndefault = "allow"\n[[access.rules]]\nname = "loopback"\naction = "allow"\ncidr = "127.0.0.0/8"\n`,
    );
    proxy = await startProxy(file, dir);
    expect(await keyWorks(proxy.port, alice)).toBe(true);
    expect((await api(proxy, 'POST', '/api/v1/acl', { name: 'shut-out', action: 'deny', cidr: '127.0.0.1', position: 0 })).status).toBe(201);
    expect(await keyWorks(proxy.port, alice)).toBe(false);

    await sighup(proxy);
    expect(await keyWorks(proxy.port, alice), 'after SIGHUP').toBe(false);
    await restart(file);
    expect(await keyWorks(proxy!.port, alice), 'after a restart').toBe(false);
  }, 90_000);

  it('a blocked source cannot come back by waiting for a restart', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mtshield-block-attack-'));
    const file = writeProxyConfig(dir, { dc: dc.port, site: site.port }, `[users.alice]\nsecret = "${alice}"\n`);
    proxy = await startProxy(file, dir);
    expect(await keyWorks(proxy.port, alice)).toBe(true);
    expect((await api(proxy, 'POST', '/api/v1/blocks', { ip: '127.0.0.1', reason: 'abuse', ttl: '1h' })).status).toBe(201);
    expect(await keyWorks(proxy.port, alice)).toBe(false);

    await restart(file);
    expect(await keyWorks(proxy!.port, alice), 'after a restart').toBe(false);
    const blocks = (await api(proxy!, 'GET', '/api/v1/blocks')).body.blocks as { cidr: string; reason: string }[];
    expect(blocks).toContainEqual(expect.objectContaining({ cidr: '127.0.0.1/32', reason: 'abuse' }));
  }, 90_000);
});
