/** Operations: redacted logs with a child logger per connection at debug level; DC failures and readiness. */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import { createLogger } from '../../src/log/logger.js';
import { freePort, readUntilClose } from '../helpers/net.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { obfuscatedClient } from '../helpers/raw-client.js';

const dd = generateSecret('dd');
let proxy: TestProxy | undefined;

afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
});

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, stream };
}

describe('logging', () => {
  it('redacts secrets, keys, tokens and links by path', () => {
    const { lines, stream } = capture();
    const logger = createLogger('info', stream);
    logger.info({ secret: 'ee00', user: { secret: 'dd11', token: 't0k', name: 'bob' }, key: 'k', links: ['tg://x'] }, 'test');
    const line = JSON.parse(lines[0]!);
    expect(line.secret).toBe('[redacted]');
    expect(line.user).toEqual({ secret: '[redacted]', token: '[redacted]', name: 'bob' });
    expect(line.key).toBe('[redacted]');
    expect(line.links).toBe('[redacted]');
  });

  it('writes per-connection lines at debug with the connection id, never the secret', async () => {
    const { lines, stream } = capture();
    const dead = await freePort();
    proxy = await startTestProxy(
      { users: { d: { secret: formatSecret(dd) } }, upstream: { dc: { '2': [`127.0.0.1:${dead}`] } } },
      { logger: createLogger('debug', stream) },
    );
    const client = await obfuscatedClient(proxy.port, dd.key);
    client.send(new Uint8Array(8));
    await readUntilClose(client.socket);
    await proxy.waitFor('connection.closed');
    const conn = lines.map((l) => JSON.parse(l)).filter((l) => l.conn !== undefined);
    expect(conn.map((l) => l.msg)).toEqual(expect.arrayContaining(['handshake ok', 'closed']));
    expect(conn.every((l) => l.level === 20)).toBe(true);
    const all = lines.join('\n');
    expect(all).not.toContain(formatSecret(dd));
    expect(all).not.toContain(Buffer.from(dd.key).toString('hex'));
  });
});

describe('DC failures', () => {
  it('a DC that refuses gives dc.failed and a closed client; repeated failures turn readiness off', async () => {
    const dead = await freePort();
    proxy = await startTestProxy({ users: { d: { secret: formatSecret(dd) } }, upstream: { dc: { '2': [`127.0.0.1:${dead}`] } } });
    expect(proxy.service.server.isReady()).toBe(true);
    for (let i = 0; i < 3; i++) {
      const client = await obfuscatedClient(proxy.port, dd.key);
      const port = client.socket.localPort;
      expect((await readUntilClose(client.socket)).closed).toBe(true);
      const failed = await proxy.waitFor('dc.failed', (e) => e.remotePort === port);
      expect(failed.upstream).toBe(`127.0.0.1:${dead}`);
      await proxy.waitFor('connection.closed', (e) => e.remotePort === port && e.reason === 'dc_failed');
    }
    expect(proxy.service.server.isReady()).toBe(false);
    expect(proxy.service.server.stats().totals.dcFailures).toBe(3);
  });
});
