// A real client library (mtcute 0.30.3, the transport the proxy interop tests use) accepts the
// profile-shaped answer: the site's suite and extension order, an X25519MLKEM768 key share and a flight
// size from the site's samples. After the answer it sends the CCS and its first record, which it does only
// once the HMAC over the answer checked out, and its first data record (the obfuscated2 header) with the
// first frame.
import { createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { fallbackProfile, planAnswer, type SiteProfile } from '../../src/fronting/index.js';
import { buildServerHello, ClientHelloReader, verifyClientHello } from '../../src/protocol/faketls.js';
import { ja4Parts } from '../../src/protocol/ja4.js';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import { mtcuteClient } from '../helpers/clients.js';
import { closeServer, listenOnFreePort } from '../helpers/net.js';

const DOMAIN = 'example.com';

/** A one-job fake-TLS server: answers a valid hello shaped by `profile`, then records what comes next. */
async function answeringServer(key: Uint8Array, profile: SiteProfile) {
  const after: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    const reader = new ClientHelloReader();
    let answered = false;
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      if (answered) return void after.push(chunk);
      const res = reader.feed(chunk);
      if (res.status !== 'done') return;
      const verdict = verifyClientHello(res.record, [{ user: 'u', key, domain: DOMAIN }], Date.now());
      if (!verdict.ok) return void socket.destroy();
      const plan = planAnswer(profile, verdict.fields.cipherSuites, ja4Parts(res.record).keyShareGroups);
      answered = true;
      setTimeout(() => socket.write(buildServerHello(key, verdict.fields.random, verdict.fields.sessionId, plan)), plan.delayMs);
    });
  });
  const port = await listenOnFreePort(server);
  return {
    port,
    received: () => Buffer.concat(after),
    async close() {
      for (const s of sockets) s.destroy();
      await closeServer(server);
    },
  };
}

describe('interop: mtcute accepts the profile-shaped answer', () => {
  it.each([
    ['x25519, supported_versions first', { cipherSuite: 0x1301, keyShareGroup: 0x001d, extensionOrder: [0x002b, 0x0033] }],
    ['X25519MLKEM768, key_share first, suite 13 02', { cipherSuite: 0x1302, keyShareGroup: 0x11ec, extensionOrder: [0x0033, 0x002b] }],
  ])('%s', async (_name, shape) => {
    const secret = generateSecret('ee', DOMAIN);
    const profile: SiteProfile = { ...fallbackProfile(DOMAIN, Date.now(), 'test'), source: 'site', ...shape };
    const server = await answeringServer(secret.key, profile);
    try {
      const client = await mtcuteClient(server.port, formatSecret(secret)); // throws when the answer fails its check
      await client.send(new Uint8Array(32));
      const deadline = Date.now() + 5000;
      while (server.received().length < 11 + 64 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(server.received().subarray(0, 9).toString('hex')).toBe('140303000101170303');
      await client.close();
    } finally {
      await server.close();
    }
  });
});
