/**
 * The assembled process (src/app.ts startApp): kernels + security layer + proxy + admin plane as `mtshield run`
 * starts them. A block posted to the admin API refuses the next proxy connection from that address through
 * the security gate, while the admin plane on the same address keeps answering; stop() drains everything.
 */
import { describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import { generateAdminToken } from '../../src/security/credentials/tokens.js';
import { startApp } from '../../src/app.js';
import { createLogger } from '../../src/log/logger.js';
import { mtcuteClient } from '../helpers/clients.js';
import { startFakeDc } from '../helpers/fake-dc.js';
import { connectTo } from '../helpers/net.js';
import { makeStateDir, testConfig } from '../helpers/proxy.js';
import { call } from './helpers.js';

describe('startApp', () => {
  it('wires the security gate into the proxy and serves the admin API beside it', async () => {
    const dc = await startFakeDc();
    const stateDir = makeStateDir();
    const secret = formatSecret(generateSecret('dd'));
    const ops = generateAdminToken();
    const to = [`127.0.0.1:${dc.port}`];
    const config = testConfig(
      {
        users: { alice: { secret } },
        upstream: { dc: { '2': to } },
        admin: { listen: '127.0.0.1:0', tokens: [{ name: 'ops', level: 'admin', sha256: ops.sha256 }] },
      },
      stateDir,
    );
    const app = await startApp(config, createLogger('silent'));
    const stack = { ...app.service, admin: app.admin, stop: (ms: number) => app.stop(ms) };
    try {
      expect(stack.admin).toBeDefined();
      const url = stack.admin!.url;
      const port = stack.server.addresses()[0]!.port;
      expect((await call(url, 'GET', '/readyz')).status).toBe(200);

      const client = await mtcuteClient(port, secret, { id: 2 });
      await client.send(new Uint8Array(32).fill(1));
      const echoed = (await client.receive()).length; // dd: padded intermediate, 0–15 padding bytes
      expect(echoed >= 32 && echoed < 48).toBe(true);
      await client.close();
      const users = await call(url, 'GET', '/api/v1/users', { token: ops.token });
      expect(users.json.users.map((u: { name: string }) => u.name)).toEqual(['alice']);

      const refused = new Promise((resolve) => stack.bus.once('connection.refused', resolve));
      expect((await call(url, 'POST', '/api/v1/blocks', { token: ops.token, body: { ip: '127.0.0.1', reason: 'stack test', ttl: '1m' } })).status).toBe(201);
      const socket = await connectTo(port);
      expect(await refused).toMatchObject({ by: 'block' });
      socket.destroy();
      expect((await call(url, 'GET', '/api/v1/stats', { token: ops.token })).status).toBe(200);
      const metrics = await call(url, 'GET', '/metrics');
      expect(metrics.text).toMatch(/mtshield_connections_blocked_total\{reason="block"\} 1/);
    } finally {
      await stack.stop(500);
      await dc.close();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
