/**
 * Attack: locking operators out of the admin API. Any local process (or a web page in a browser on the admin
 * host) can send requests to the loopback admin plane; the failed-login limit must not become a way to refuse
 * the operator's valid token.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../admin/helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('admin lockout', () => {
  it('an attacker who sends wrong tokens from the operator\'s address cannot lock out a valid token', async () => {
    h = await startHarness({ config: { security: { auth_failures_per_minute: 5 } } });
    const wrong = 'mts_' + 'W'.repeat(43);
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await h.call('GET', '/api/v1/stats', { token: wrong })).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5).every((s) => s === 429)).toBe(true); // the guesser is still limited
    expect((await h.call('GET', '/api/v1/stats', { token: h.tokens.superuser })).status).toBe(200);
    const session = await h.call('POST', '/api/v1/sessions', { token: h.tokens.admin, body: {} });
    expect(session.status).toBe(201);
    expect((await h.call('GET', '/api/v1/stats', { token: session.json.session })).status).toBe(200);
    // Every wrong credential within the budget is its own audit entry.
    const failed = h.security.audit.recent(200).filter((e) => e.type === 'auth.failed' && e.ip === '127.0.0.1');
    expect(failed).toHaveLength(5);
    expect(JSON.stringify(failed)).not.toContain(wrong);
  });

  it('an attacker who floods requests without credentials cannot use up the failure budget', async () => {
    h = await startHarness({ config: { security: { auth_failures_per_minute: 5 } } });
    for (let i = 0; i < 30; i++) expect((await h.call('GET', '/api/v1/stats')).status).toBe(401);
    expect((await h.call('GET', '/api/v1/stats', { headers: { authorization: 'Basic Zm9vOmJhcg==' } })).status).toBe(401);
    expect((await h.call('GET', '/api/v1/stats', { token: h.tokens.read_only })).status).toBe(200);
    // Not counted: a wrong token right after still gets its 401, not 429.
    expect((await h.call('GET', '/api/v1/stats', { token: 'mts_' + 'N'.repeat(43) })).status).toBe(401);
    const metrics = await h.call('GET', '/metrics');
    expect(metrics.text).toMatch(/mtshield_auth_attempts_total\{result="failed"\} 1\n/);
  });
});
