/**
 * Attack: DNS rebinding. A page at http://rebind.example:9100 whose name re-resolves to 127.0.0.1 is, to the
 * browser, same-origin with its own name, so it can read the loopback admin plane's answers (/metrics,
 * anything a token in the page reaches). It still sends `Host: rebind.example:9100`, which the admin plane
 * refuses on every request and upgrade.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../admin/helpers.js';
import { openEvents } from './admin-helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('DNS rebinding', () => {
  it('a rebound page (foreign Host) cannot read /metrics, the API or the event stream', async () => {
    h = await startHarness({ admin: { allowed_hosts: ['admin.internal.example'] } });
    const port = new URL(h.admin.url).port;
    const foreign = { host: `rebind.example:${port}` };
    for (const path of ['/metrics', '/healthz', '/api/v1/stats', '/no-such-route']) {
      const res = await h.call('GET', path, { token: h.tokens.superuser, headers: foreign });
      expect(res.status, path).toBe(403);
      expect(res.json?.error, path).toBe('ERR_ADMIN_HOST_REFUSED');
      expect(res.text, path).not.toContain('mtshield_');
    }
    await expect(openEvents(h.admin.url, { token: h.tokens.read_only, headers: foreign })).rejects.toThrow('status 403');

    // Allowed: the listen address, localhost, [::1], IP literals, names the operator configured.
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `admin.internal.example:${port}`]) {
      expect((await h.call('GET', '/api/v1/stats', { token: h.tokens.read_only, headers: { host } })).status, host).toBe(200);
    }
  });
});
