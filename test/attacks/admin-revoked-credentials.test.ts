/**
 * Attack: using a credential after its revocation or expiry. Sessions opened with a token must die with that
 * token (by its hash: a new token under the same name does not revive them), and a live event stream must be
 * closed when its token or session is revoked or expires, not only checked at the upgrade.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { generateAdminToken } from '../../src/security/credentials/tokens.js';
import { startHarness, type Harness } from '../admin/helpers.js';
import { closedWithin, openEvents } from './admin-helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function createToken(harness: Harness, name: string): Promise<string> {
  const expires = new Date(harness.clock.now() + 86_400_000).toISOString();
  const made = await harness.call('POST', '/api/v1/tokens', { token: harness.tokens.superuser, body: { name, level: 'admin', expires } });
  expect(made.status).toBe(201);
  return made.json.token as string;
}

describe('revoked credentials', () => {
  it('a revoked token\'s live session cannot come back when a token of the same name is created', async () => {
    h = await startHarness();
    const first = await createToken(h, 'ci');
    const session = (await h.call('POST', '/api/v1/sessions', { token: first, body: {} })).json.session as string;
    expect((await h.call('DELETE', '/api/v1/tokens/ci', { token: h.tokens.superuser })).status).toBe(204);
    // The attacker kept the session id; the operator issues a fresh "ci" token to the real CI.
    const second = await createToken(h, 'ci');
    expect((await h.call('GET', '/api/v1/stats', { token: second })).status).toBe(200);
    expect((await h.call('GET', '/api/v1/stats', { token: session })).status).toBe(401);
  });

  it('a session opened with a config token cannot outlive that token being replaced under the same name', async () => {
    h = await startHarness();
    const session = (await h.call('POST', '/api/v1/sessions', { token: h.tokens.superuser, body: {} })).json.session as string;
    expect((await h.call('GET', '/api/v1/stats', { token: session })).status).toBe(200);
    // The operator suspects a leak and puts a new hash under the same name in [[admin.tokens]] (then SIGHUP).
    const replacement = generateAdminToken();
    h.security.tokens.reloadConfig([{ name: 'root', level: 'superuser', sha256: replacement.sha256 }]);
    expect((await h.call('GET', '/api/v1/stats', { token: replacement.token })).status).toBe(200);
    expect((await h.call('GET', '/api/v1/stats', { token: session })).status).toBe(401);
  });

  it('a revoked token\'s live event stream cannot keep receiving events', async () => {
    h = await startHarness();
    const token = await createToken(h, 'watcher');
    const stream = await openEvents(h.admin.url, { token });
    expect((await h.call('DELETE', '/api/v1/tokens/watcher', { token: h.tokens.superuser })).status).toBe(204);
    expect(await closedWithin(stream, 3000)).toBe(1008);
  });

  it('a revoked session\'s event stream is closed, and so is one whose session expires', async () => {
    h = await startHarness({ config: { security: { session_ttl: '10m' } } });
    const revoked = (await h.call('POST', '/api/v1/sessions', { token: h.tokens.read_only, body: {} })).json;
    const revokedStream = await openEvents(h.admin.url, { token: revoked.session });
    expect((await h.call('DELETE', `/api/v1/sessions/${revoked.handle}`, { token: h.tokens.superuser })).status).toBe(204);
    expect(await closedWithin(revokedStream, 3000)).toBe(1008);

    const expiring = (await h.call('POST', '/api/v1/sessions', { token: h.tokens.read_only, body: {} })).json;
    const expiringStream = await openEvents(h.admin.url, { token: expiring.session });
    const lasting = await openEvents(h.admin.url, { token: h.tokens.read_only });
    h.clock.advance(11 * 60_000); // no request arrives: the periodic check must notice
    expect(await closedWithin(expiringStream, 3000)).toBe(1008);
    expect(await closedWithin(lasting, 100)).toBe('open');
    lasting.ws.terminate();
  });
});
