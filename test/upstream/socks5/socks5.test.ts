/**
 * The SOCKS5 upstream ([upstream] mode = "socks5"; RFC 1928, RFC 1929) against a SOCKS5 server written in the
 * test, all on 127.0.0.1: mtcute and GramJS through the proxy and the SOCKS5 server to a fake DC (the server sees
 * the DC's address and the credentials); IPv4, IPv6 and domain targets; reply codes as typed errors; a refused
 * password, a server that closes mid-handshake, a silent one, a flooding one and an unreachable one: the client
 * is closed cleanly and a dc.failed event says why, and the password is in no event and no log line.
 */
import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log/logger.js';
import { formatSecret, generateSecret } from '../../../src/protocol/secrets.js';
import { dialOne } from '../../../src/upstream/dial.js';
import { socks5Connect, socks5Dialer, type Socks5Error } from '../../../src/upstream/socks5/index.js';
import { gramjsClient, mtcuteClient } from '../../helpers/clients.js';
import { startFakeDc, type FakeDc } from '../../helpers/fake-dc.js';
import { freePort, waitForPeerClose } from '../../helpers/net.js';
import { startTestProxy, type TestProxy } from '../../helpers/proxy.js';
import { obfuscatedClient } from '../../helpers/raw-client.js';
import { startSocks5Server, type TestSocks5Options, type TestSocks5Server } from './socks5-server.js';

const cleanups: Array<() => unknown> = [];
/** A dd client's frames are padded intermediate: the echo carries the frame and then 0–15 padding bytes. */
function expectEcho(got: Uint8Array, sent: Uint8Array): void {
  expect(got.length - sent.length).toBeGreaterThanOrEqual(0);
  expect(got.length - sent.length).toBeLessThan(16);
  expect(Buffer.from(got.subarray(0, sent.length)).equals(sent)).toBe(true);
}
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const AUTH = { username: 'relay-user', password: 'hunter2-socks-password' };

interface Setup {
  dc: FakeDc;
  socks: TestSocks5Server;
  proxy: TestProxy;
  secret: ReturnType<typeof generateSecret>;
  logLines: string[];
}

async function setup(options: { socks?: TestSocks5Options; credentials?: { username: string; password: string }; socksPort?: number } = {}): Promise<Setup> {
  const dc = await startFakeDc();
  cleanups.push(() => dc.close());
  const socks = await startSocks5Server(options.socks ?? { auth: AUTH });
  cleanups.push(() => socks.close());
  const secret = generateSecret('dd');
  const logLines: string[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (logLines.push(String(chunk)), done()) });
  const credentials = options.credentials ?? AUTH;
  const proxy = await startTestProxy(
    {
      server: { connect_timeout: '1s' },
      users: { alice: { secret: formatSecret(secret) } },
      upstream: {
        mode: 'socks5',
        dc: { '2': [`127.0.0.1:${dc.port}`] },
        socks5: { address: `127.0.0.1:${options.socksPort ?? socks.port}`, ...credentials },
      },
      log: { level: 'debug' },
    },
    { logger: createLogger('debug', sink) },
  );
  cleanups.push(() => proxy.stop());
  return { dc, socks, proxy, secret, logLines };
}

/** A client whose DC connection fails: the proxy closes it, and the dc.failed event's error is returned. */
async function expectCleanFailure(s: Setup): Promise<string> {
  const client = await obfuscatedClient(s.proxy.port, s.secret.key, { kind: 'intermediate', dc: 2 });
  client.socket.on('error', () => {});
  client.send(randomBytes(64));
  expect(await waitForPeerClose(client.socket, 10_000)).toBe(true);
  client.socket.destroy();
  const failed = await s.proxy.waitFor('dc.failed');
  expect(s.proxy.events.some((e) => e.name === 'dc.connected')).toBe(false);
  expect(JSON.stringify(s.proxy.events)).not.toContain(AUTH.password);
  expect(s.logLines.join('')).not.toContain(AUTH.password);
  return failed.error;
}

describe('[upstream] mode = "socks5" end to end', () => {
  it('mtcute and GramJS reach the DC through the SOCKS5 server, which sees the DC address and the credentials', async () => {
    const s = await setup();
    const secretText = formatSecret(s.secret);
    for (const client of [await mtcuteClient(s.proxy.port, secretText), await gramjsClient(s.proxy.port, secretText)]) {
      for (const size of [40, 900, 70_000]) {
        const frame = randomBytes(size - (size % 4));
        await client.send(frame);
        expectEcho(await client.receive(), frame);
      }
      await client.close();
    }
    expect(s.socks.requests).toHaveLength(2);
    for (const request of s.socks.requests) {
      expect(request).toMatchObject({ methods: [0x02], ...AUTH, atyp: 1, host: '127.0.0.1', port: s.dc.port });
    }
    expect(s.dc.connections.map((c) => c.dc)).toEqual([2, 2]);
    expect((await s.proxy.waitFor('dc.connected')).upstream).toBe(`127.0.0.1:${s.dc.port}`);
    expect(s.logLines.join('')).not.toContain(AUTH.password);
  });

  it('without credentials it offers only "no authentication"', async () => {
    const s = await setup({ socks: {}, credentials: {} as never });
    const client = await mtcuteClient(s.proxy.port, formatSecret(s.secret));
    const frame = randomBytes(128);
    await client.send(frame);
    expectEcho(await client.receive(), frame);
    await client.close();
    expect(s.socks.requests[0]).toMatchObject({ methods: [0x00], atyp: 1, port: s.dc.port });
    expect(s.socks.requests[0]!.username).toBeUndefined();
  });

  it('a refused password: the client is closed cleanly and dc.failed says ERR_SOCKS5_AUTH_REFUSED', async () => {
    const s = await setup({ socks: { auth: { username: AUTH.username, password: 'another' } } });
    expect(await expectCleanFailure(s)).toMatch(/refused the username\/password/);
    expect(s.socks.requests[0]!.password).toBe(AUTH.password); // it was sent, and still never logged
  });

  it('a SOCKS5 server that closes mid-handshake: clean close, dc.failed', async () => {
    const s = await setup({ socks: { auth: AUTH, behaviour: 'close-after-greeting' } });
    expect(await expectCleanFailure(s)).toMatch(/closed the connection during the handshake/);
  });

  it('an unreachable SOCKS5 server: clean close, dc.failed', async () => {
    const s = await setup({ socksPort: await freePort() });
    expect(await expectCleanFailure(s)).toMatch(/SOCKS5 server 127\.0\.0\.1:\d+ unreachable/);
  });

  it('a CONNECT refused by the server: clean close, dc.failed with the reply', async () => {
    const s = await setup({ socks: { auth: AUTH, behaviour: { reply: 0x02 } } });
    expect(await expectCleanFailure(s)).toMatch(/connection not allowed by ruleset/);
  });
});

describe('socks5Connect', () => {
  async function server(options: TestSocks5Options): Promise<TestSocks5Server> {
    const socks = await startSocks5Server(options);
    cleanups.push(() => socks.close());
    return socks;
  }
  async function attempt(socks: TestSocks5Server, host: string, deadlineMs = 2000): Promise<Socks5Error> {
    const socket = await dialOne({ host: '127.0.0.1', port: socks.port }, 2000, 65_536);
    cleanups.push(() => socket.destroy());
    return socks5Connect(socket, { host, port: 443, credentials: AUTH, deadlineMs }).then(
      () => expect.fail('the handshake should fail'),
      (err: Socks5Error) => err,
    );
  }

  it('encodes IPv4, IPv6 and domain targets (ATYP 1, 4, 3)', async () => {
    const socks = await server({ auth: AUTH, behaviour: { reply: 0x04 } });
    for (const host of ['149.154.167.51', '2001:db8::a', 'dc.example']) await attempt(socks, host);
    expect(socks.requests.map((r) => [r.atyp, r.host, r.port])).toEqual([
      [1, '149.154.167.51', 443],
      [4, '2001:db8:0:0:0:0:0:a', 443],
      [3, 'dc.example', 443],
    ]);
  });

  it('maps each RFC 1928 reply code to its own stable error code', async () => {
    const expected: Record<number, string> = {
      1: 'ERR_SOCKS5_GENERAL_FAILURE',
      2: 'ERR_SOCKS5_NOT_ALLOWED',
      3: 'ERR_SOCKS5_NETWORK_UNREACHABLE',
      4: 'ERR_SOCKS5_HOST_UNREACHABLE',
      5: 'ERR_SOCKS5_CONNECTION_REFUSED',
      6: 'ERR_SOCKS5_TTL_EXPIRED',
      7: 'ERR_SOCKS5_COMMAND_NOT_SUPPORTED',
      8: 'ERR_SOCKS5_ADDRESS_TYPE_NOT_SUPPORTED',
      0x42: 'ERR_SOCKS5_REPLY',
    };
    const socks = await server({ auth: AUTH });
    for (const [reply, code] of Object.entries(expected)) {
      socks.behaviour = { reply: Number(reply) };
      const err = await attempt(socks, '127.0.0.1');
      expect([err.code, err.reply]).toEqual([code, Number(reply)]);
    }
  });

  it('a silent server meets the handshake deadline; a flooding one is refused without buffering it', async () => {
    const silent = await server({ auth: AUTH, behaviour: 'silent' });
    const started = Date.now();
    expect((await attempt(silent, '127.0.0.1', 200)).code).toBe('ERR_SOCKS5_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(5000);
    const flood = await server({ auth: AUTH, behaviour: 'flood' });
    expect((await attempt(flood, '127.0.0.1')).code).toBe('ERR_SOCKS5_PROTOCOL');
  });

  it('a server that wants a password when none is configured: ERR_SOCKS5_NO_ACCEPTABLE_METHOD', async () => {
    const socks = await server({ auth: AUTH });
    const dial = socks5Dialer({ address: { host: '127.0.0.1', port: socks.port } });
    const err = (await dial([{ host: '127.0.0.1', port: 443 }], 2000, 65_536).catch((e) => e)) as Socks5Error;
    expect(err.code).toBe('ERR_SOCKS5_NO_ACCEPTABLE_METHOD');
  });

  it('moves to the next DC address when the server cannot reach one', async () => {
    const dc = await startFakeDc();
    cleanups.push(() => dc.close());
    const socks = await server({ auth: AUTH });
    const dial = socks5Dialer({ address: { host: '127.0.0.1', port: socks.port }, ...AUTH });
    const closedPort = await freePort();
    const { socket, target } = await dial([{ host: '127.0.0.1', port: closedPort }, { host: '127.0.0.1', port: dc.port }], 2000, 65_536);
    socket.destroy();
    expect(target.port).toBe(dc.port);
    expect(socks.requests.map((r) => r.port)).toEqual([closedPort, dc.port]);
  });
});
