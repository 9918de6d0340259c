/**
 * Issue 11, reproduced 1 (rules and blocks): an operator shuts a source out at run time, with an API deny rule
 * placed above the config's allow, or with a block. The attacker waits for a SIGHUP or a restart, after which
 * the API rule used to fall below the config rules and in-memory blocks were gone. A real `mtshield run` child.
 */
import { describe, expect, it } from 'vitest';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import { api, keyWorks, runtimeFixture, sighup } from '../helpers/runtime-proxy.js';

const alice = formatSecret(generateSecret('dd'));
const f = runtimeFixture();

describe('run-time refusals across SIGHUP and restart', () => {
  it('an address denied by an API rule placed above a config allow cannot get in after SIGHUP or a restart', async () => {
    const file = f.configFile(
      `[users.alice]\nsecret = "${alice}"\n[access]\ndefault = "allow"\n[[access.rules]]\nname = "loopback"\naction = "allow"\ncidr = "127.0.0.0/8"\n`,
    );
    let proxy = await f.start(file);
    expect(await keyWorks(proxy.port, alice)).toBe(true);
    expect((await api(proxy, 'POST', '/api/v1/acl', { name: 'shut-out', action: 'deny', cidr: '127.0.0.1', position: 0 })).status).toBe(201);
    expect(await keyWorks(proxy.port, alice)).toBe(false);

    await sighup(proxy);
    expect(await keyWorks(proxy.port, alice), 'after SIGHUP').toBe(false);
    proxy = await f.restart(file);
    expect(await keyWorks(proxy.port, alice), 'after a restart').toBe(false);
  }, 90_000);

  it('a blocked source cannot come back by waiting for a restart', async () => {
    const file = f.configFile(`[users.alice]\nsecret = "${alice}"\n`);
    let proxy = await f.start(file);
    expect(await keyWorks(proxy.port, alice)).toBe(true);
    expect((await api(proxy, 'POST', '/api/v1/blocks', { ip: '127.0.0.1', reason: 'abuse', ttl: '1h' })).status).toBe(201);
    expect(await keyWorks(proxy.port, alice)).toBe(false);

    proxy = await f.restart(file);
    expect(await keyWorks(proxy.port, alice), 'after a restart').toBe(false);
    const blocks = (await api(proxy, 'GET', '/api/v1/blocks')).body.blocks as { cidr: string; reason: string }[];
    expect(blocks).toContainEqual(expect.objectContaining({ cidr: '127.0.0.1/32', reason: 'abuse' }));
  }, 90_000);
});
