/**
 * Issue 11, reproduced 1: an operator rotates alice's key with no grace and adds bob through the admin API. An
 * attacker holding alice's old key waits for a SIGHUP or a restart, when the config file used to be taken as the
 * whole truth again: the old key came back, the new one and bob were lost. A real `mtshield run` child, a real
 * SIGHUP, a real restart on the same state_dir.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import { api, keyWorks, runtimeFixture, sighup } from '../helpers/runtime-proxy.js';

const f = runtimeFixture();

describe('a rotated-out key', () => {
  it('an attacker holding a rotated-out key cannot get back in after SIGHUP or a restart; the new key and bob keep working', async () => {
    const oldSecret = formatSecret(generateSecret('ee', 'example.com'));
    const file = f.configFile(`[users.alice]\nsecret = "${oldSecret}"\n`);
    let proxy = await f.start(file);
    expect(await keyWorks(proxy.port, oldSecret)).toBe(true);

    const rotated = await api(proxy, 'POST', '/api/v1/users/alice/rotate', { grace: '0s' });
    expect(rotated.status).toBe(200);
    const newSecret = rotated.body.secret as string;
    const added = await api(proxy, 'POST', '/api/v1/users', { name: 'bob', mode: 'ee', domain: 'example.com' });
    expect(added.status).toBe(201);
    const bobSecret = added.body.secret as string;

    const expectRotated = async (when: string) => {
      expect(await keyWorks(proxy.port, oldSecret), `old key ${when}`).toBe(false);
      expect(await keyWorks(proxy.port, newSecret), `new key ${when}`).toBe(true);
      expect(await keyWorks(proxy.port, bobSecret), `bob ${when}`).toBe(true);
    };
    await expectRotated('before SIGHUP');

    await sighup(proxy);
    await expectRotated('after SIGHUP');
    const listed = await api(proxy, 'GET', '/api/v1/users');
    const sources = Object.fromEntries((listed.body.users as { name: string; source: string }[]).map((u) => [u.name, u.source]));
    expect(sources).toEqual({ alice: 'config+api', bob: 'api' });

    proxy = await f.restart(file);
    await expectRotated('after a restart');

    // The overlay that carries this is a file only the proxy's user can read.
    expect(statSync(join(f.dir, 'state', 'runtime-overlay.json')).mode & 0o777).toBe(0o600);
  }, 90_000);
});
