/**
 * The server's upstream reports (src/proxy/server.ts `reports`): the readiness count of failed DC dials is kept
 * whether or not anything listens for dc.connected (the events are only built for listeners; by default only
 * the stats counter listens, to dc.failed), and listeners get every event.
 */
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/events.js';
import { ProxyServer } from '../../src/proxy/server.js';
import { createLogger } from '../../src/log/logger.js';
import type { AdmittedClient } from '../../src/upstream/types.js';
import { makeStateDir, testConfig } from '../helpers/proxy.js';

const client = {
  ref: { id: 1, remoteAddress: '127.0.0.1', remotePort: 5000, localAddress: '127.0.0.1', localPort: 443 },
  user: 'alice',
  dc: 2,
} as unknown as AdmittedClient;

describe('DC dial reports', () => {
  let server: ProxyServer | undefined;
  let dir: string | undefined;

  afterEach(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function start(bus: EventBus): Promise<ProxyServer> {
    dir = makeStateDir();
    const config = testConfig({ users: { alice: { secret: 'dd' + '11'.repeat(16) } } }, dir);
    server = new ProxyServer(config, { bus, logger: createLogger('silent') });
    await server.listen();
    return server;
  }

  it('without dc.connected listeners: three failed dials in a row make the server not ready, a connected dial ready again', async () => {
    const bus = new EventBus();
    const s = await start(bus);
    expect(bus.listenerCount('dc.connected')).toBe(0); // dc.failed has the stats counter's (src/proxy/stats.ts)
    expect(s.isReady()).toBe(true);
    for (let i = 0; i < 3; i++) s.reports.failed(client, '127.0.0.1:1', 'refused');
    expect(s.isReady()).toBe(false);
    s.reports.connected(client, '127.0.0.1:2', 5);
    expect(s.isReady()).toBe(true);
  });

  it('with listeners: every outcome is an event with the client, the DC and the upstream', async () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.on('dc.connected', (e) => seen.push(`connected ${e.user} ${e.dc} ${e.upstream} ${e.connectMs} ${e.remotePort}`));
    bus.on('dc.failed', (e) => seen.push(`failed ${e.user} ${e.dc} ${e.upstream} ${e.error}`));
    const s = await start(bus);
    s.reports.failed(client, '127.0.0.1:1', 'refused');
    s.reports.connected(client, '127.0.0.1:2', 5);
    expect(seen).toEqual(['failed alice 2 127.0.0.1:1 refused', 'connected alice 2 127.0.0.1:2 5 5000']);
  });
});
