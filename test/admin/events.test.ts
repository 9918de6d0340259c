/**
 * /api/v1/events over a real WebSocket (the `ws` client against uWS): upgrade authentication (header and
 * ?token=), a block made through the API arrives as a live event, and a subscriber that stops reading keeps
 * a bounded queue (oldest dropped, then told how many) while other subscribers carry on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startHarness, type Harness } from './helpers.js';

const QUEUE = 16;
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ admin: { events_queue: QUEUE } });
}, 20_000);
afterAll(async () => h?.close());

function wsUrl(query = ''): string {
  return `${h.admin.url.replace(/^http/, 'ws')}/api/v1/events${query}`;
}

function open(options: { token?: string; query?: string }): Promise<{ ws: WebSocket; messages: any[] }> {
  return new Promise((resolve, reject) => {
    const headers = options.token ? { authorization: `Bearer ${options.token}` } : undefined;
    const ws = new WebSocket(wsUrl(options.query), { headers });
    const messages: any[] = [];
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString());
      if (message.details?.padding) delete message.details.padding; // keep the flood test's memory small
      messages.push(message);
    });
    ws.once('open', () => resolve({ ws, messages }));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`status ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

async function until(check: () => boolean, what: string, maxTurns = 500): Promise<void> {
  for (let i = 0; i < maxTurns; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function closeSocket(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve();
    ws.once('close', () => resolve());
    ws.terminate();
  });
}

describe('/api/v1/events', () => {
  it('refuses the upgrade without a valid token (401)', async () => {
    await expect(open({})).rejects.toThrow('status 401');
    await expect(open({ token: 'mts_' + 'C'.repeat(43) })).rejects.toThrow('status 401');
  });

  it('streams a block made through the API to a read_only subscriber (header or ?token=)', async () => {
    const byHeader = await open({ token: h.tokens.read_only });
    const byQuery = await open({ query: `?token=${encodeURIComponent(h.tokens.read_only)}` });
    try {
      await until(() => h.admin.events.stats().subscribers >= 2, 'two subscribers');
      const res = await h.call('POST', '/api/v1/blocks', { token: h.tokens.admin, body: { ip: '192.0.2.77', reason: 'live test', ttl: '5m' } });
      expect(res.status).toBe(201);
      for (const { messages } of [byHeader, byQuery]) {
        await until(() => messages.some((m) => /block/.test(m.type) && JSON.stringify(m).includes('192.0.2.77')), 'the block event');
      }
    } finally {
      await closeSocket(byHeader.ws);
      await closeSocket(byQuery.ws);
    }
  });

  it('a subscriber that stops reading keeps at most the queue limit and learns how many it lost', async () => {
    const slow = await open({ token: h.tokens.read_only });
    const fast = await open({ token: h.tokens.superuser });
    try {
      await until(() => h.admin.events.stats().subscribers === 2, 'two subscribers');
      slow.ws.pause(); // stop reading: the kernel buffers fill, then uWS's, then our queue
      const padding = 'x'.repeat(32 * 1024);
      let published = 0;
      let maxQueued = 0;
      for (let batch = 0; batch < 2000; batch++) {
        for (let i = 0; i < QUEUE; i++) {
          h.bus.emit('security.event', { type: 'test.flood', severity: 'info', at: Date.now(), message: 'flood', details: { n: published++, padding } });
        }
        const stats = h.admin.events.stats();
        maxQueued = Math.max(maxQueued, ...stats.queued);
        if (stats.dropped.some((d) => d > 0)) break;
        await new Promise((r) => setImmediate(r));
      }
      const stats = h.admin.events.stats();
      expect(Math.max(...stats.dropped)).toBeGreaterThan(0);
      expect(maxQueued).toBeLessThanOrEqual(QUEUE);

      // The fast subscriber still gets a new event while the slow one is stalled.
      h.bus.emit('security.event', { type: 'test.marker', severity: 'info', at: Date.now(), message: 'marker' });
      await until(() => fast.messages.some((m) => m.type === 'test.marker'), 'the marker on the fast subscriber', 3000);

      // Once it reads again it gets what the queue kept plus a notice of the loss: every event is accounted for.
      slow.ws.resume();
      const flood = () => slow.messages.filter((m) => m.type === 'test.flood').length;
      const lost = () => slow.messages.filter((m) => m.type === 'stream.dropped').reduce((n, m) => n + m.details.count, 0);
      await until(() => flood() + lost() >= published, 'every event delivered or reported lost', 3000);
      expect(lost()).toBeGreaterThan(0);
      expect(flood()).toBeLessThan(published);
      expect(flood() + lost()).toBe(published);
    } finally {
      await closeSocket(slow.ws);
      await closeSocket(fast.ws);
    }
  });
});
