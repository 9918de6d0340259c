/**
 * Attack: a session flood by a low-level token. Sessions have a global cap; a read_only token opening sessions
 * in a loop must hit its own per-token cap before it can push anyone else's session out.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../admin/helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('session flood', () => {
  it('a read_only token cannot open unbounded sessions and push out the operator\'s', async () => {
    h = await startHarness();
    const operator = await h.call('POST', '/api/v1/sessions', { token: h.tokens.superuser, body: {} });
    expect(operator.status).toBe(201);
    let opened = 0;
    let refused: { status: number; json: any } | undefined;
    for (let i = 0; i < 100 && !refused; i++) {
      const res = await h.call('POST', '/api/v1/sessions', { token: h.tokens.read_only, body: {} });
      if (res.status === 201) opened++;
      else refused = res;
    }
    expect(opened).toBe(32);
    expect(refused?.status).toBe(429);
    expect(refused?.json.error).toBe('ERR_SECURITY_RATE_LIMITED');
    expect((await h.call('GET', '/api/v1/stats', { token: operator.json.session })).status).toBe(200);
    // Ending one of its own sessions frees a slot.
    const own = (await h.call('GET', '/api/v1/sessions', { token: h.tokens.superuser })).json.sessions.find((s: any) => s.tokenName === 'reader');
    expect(own).toBeDefined();
    expect(own.tokenSha256).toBeUndefined();
    expect((await h.call('DELETE', `/api/v1/sessions/${own.handle}`, { token: h.tokens.read_only })).status).toBe(204);
    expect((await h.call('POST', '/api/v1/sessions', { token: h.tokens.read_only, body: {} })).status).toBe(201);
  });
});
