/**
 * Attack: a foreign web page opens the admin event stream. WebSockets are not bound by the same-origin
 * policy, so a page the operator visits can open ws://127.0.0.1:9100/api/v1/events (with a token it learned
 * or guessed, or one in a query string); the server must refuse browser Origins it does not know.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../admin/helpers.js';
import { openEvents } from './admin-helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('foreign Origin on the event stream', () => {
  it('a foreign page\'s WebSocket cannot open the event stream, even with a valid token', async () => {
    h = await startHarness({ admin: { allowed_origins: ['https://dash.example.net'] } });
    const token = h.tokens.read_only;
    await expect(openEvents(h.admin.url, { token, headers: { origin: 'https://evil.example' } })).rejects.toThrow('status 403');
    await expect(openEvents(h.admin.url, { token, headers: { origin: 'null' } })).rejects.toThrow('status 403');
    // A page on another port of the same host is another origin too.
    await expect(openEvents(h.admin.url, { token, headers: { origin: 'http://127.0.0.1:1' } })).rejects.toThrow('status 403');

    // Allowed: no Origin (not a browser), the listener's own origin, an Origin the operator listed.
    const own = new URL(h.admin.url).origin;
    for (const headers of [{}, { origin: own }, { origin: 'https://dash.example.net' }] as Record<string, string>[]) {
      const socket = await openEvents(h.admin.url, { token, headers });
      socket.ws.terminate();
    }
  });
});
