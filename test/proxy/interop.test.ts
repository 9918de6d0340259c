/**
 * Interop with real client transports through the proxy to the fake DC: mtcute (plain, dd, ee) and GramJS
 * (plain, dd), frames of 0–70 000 bytes, media and test DC ids.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKernels } from '../../src/kernels/index.js';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import { gramjsClient, mtcuteClient } from '../helpers/clients.js';
import { startFakeDc, type FakeDc } from '../helpers/fake-dc.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';

const plain = formatSecret(generateSecret('plain'));
const dd = formatSecret(generateSecret('dd'));
const ee = formatSecret(generateSecret('ee', 'example.com'));

let dc: FakeDc;
let proxy: TestProxy;

beforeAll(async () => {
  dc = await startFakeDc();
  const to = [`127.0.0.1:${dc.port}`];
  proxy = await startTestProxy({
    users: { p: { secret: plain }, d: { secret: dd }, e: { secret: ee } },
    upstream: { dc: { '1': to, '2': to, '4': to, '203': to } },
  });
});

afterAll(async () => {
  await proxy?.stop();
  await dc?.close();
});

function frame(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

// A 4-byte frame is a transport error code by definition, so no test frame is 4 bytes long.
const SIZES = [0, 8, 16, 252, 1024, 16_384, 16_388, 70_000];

/**
 * Padded intermediate (dd, ee) adds 0–15 random bytes that a receiver cannot strip; the fake DC echoes them,
 * so those frames come back as the payload plus the client's padding.
 */
function expectEcho(got: Uint8Array, sent: Uint8Array, padded: boolean): void {
  if (!padded) {
    expect(got.length).toBe(sent.length);
  } else {
    expect(got.length - sent.length).toBeGreaterThanOrEqual(0);
    expect(got.length - sent.length).toBeLessThan(16);
  }
  expect(Buffer.from(got.subarray(0, sent.length)).equals(Buffer.from(sent))).toBe(true);
}

describe('mtcute MtProxyTcpTransport', () => {
  for (const [name, secret] of [['plain', plain], ['dd', dd], ['ee', ee]] as const) {
    it(`${name} secret: frames of 0–70 000 bytes come back intact`, async () => {
      const client = await mtcuteClient(proxy.port, secret, { id: 2 });
      try {
        const padded = name !== 'plain';
        for (const [i, size] of SIZES.entries()) {
          // mtcute decodes a frame only once 8 bytes are buffered, and a padded empty frame may come back
          // 4 bytes long (an error code): an empty frame is sent in front of a non-empty one, plain only.
          if (size === 0 && padded) continue;
          const sent = frame(size, i);
          await client.send(sent);
          if (size === 0) await client.send(frame(8, 99));
          expectEcho(await client.receive(), sent, padded);
          if (size === 0) expectEcho(await client.receive(), frame(8, 99), padded);
        }
      } finally {
        await client.close();
      }
    });
  }

  for (const [label, choice, expected] of [
    ['media DC -4', { id: 4, media: true }, -4],
    ['test DC 10002', { id: 2, test: true }, 10002],
    ['media test DC -10001', { id: 1, media: true, test: true }, -10001],
    ['CDN DC 203', { id: 203 }, 203],
  ] as const) {
    it(`ee secret, ${label}: the DC id reaches the DC`, async () => {
      const before = dc.connections.length;
      const client = await mtcuteClient(proxy.port, ee, choice);
      try {
        await client.send(frame(64, 7));
        expectEcho(await client.receive(), frame(64, 7), true);
        const seen = dc.connections.slice(before).map((c) => c.dc);
        expect(seen).toContain(expected);
      } finally {
        await client.close();
      }
    });
  }
});

describe('with the kernel registry (WebAssembly AES-256-CTR streams)', () => {
  it('mtcute ee and dd clients relay 70 000-byte frames', async () => {
    const registry = await loadKernels({ calibrate: false });
    const withKernels = await startTestProxy(
      { users: { d: { secret: dd }, e: { secret: ee } }, upstream: { dc: { '2': [`127.0.0.1:${dc.port}`] } } },
      { registry },
    );
    try {
      for (const secret of [ee, dd]) {
        const client = await mtcuteClient(withKernels.port, secret);
        const sent = frame(70_000, 5);
        await client.send(sent);
        expectEcho(await client.receive(), sent, true);
        await client.close();
      }
    } finally {
      await withKernels.stop();
    }
  });
});

describe('GramJS ConnectionTCPMTProxyAbridged', () => {
  for (const [name, secret] of [['plain', plain], ['dd', dd]] as const) {
    it(`${name} secret: frames of 8–70 000 bytes come back intact`, async () => {
      const client = await gramjsClient(proxy.port, secret, 2);
      try {
        for (const [i, size] of [8, 256, 1024, 70_000].entries()) {
          const sent = frame(size, i + 100);
          await client.send(sent);
          expectEcho(await client.receive(), sent, false);
        }
      } finally {
        await client.close();
      }
    });
  }

  it('a negative DC id arrives mangled (GramJS writes one byte) and goes to the default DC', async () => {
    const before = dc.connections.length;
    const client = await gramjsClient(proxy.port, plain, -2); // int8 -2 → bytes fe 00 → DC 254
    try {
      await client.send(frame(16, 3));
      expect((await client.receive()).length).toBe(16);
      expect(dc.connections.slice(before).map((c) => c.dc)).toContain(254);
      await proxy.waitFor('handshake.ok', (e) => e.user === 'p' && e.dc === 254);
    } finally {
      await client.close();
    }
  });

  it('dd secret, DC 4 is routed to DC 4 and handshake.ok names the user', async () => {
    const before = dc.connections.length;
    const client = await gramjsClient(proxy.port, dd, 4);
    try {
      await client.send(frame(32, 1));
      expect((await client.receive()).length).toBe(32);
      expect(dc.connections.slice(before).map((c) => c.dc)).toContain(4);
      const ok = await proxy.waitFor('handshake.ok', (e) => e.user === 'd' && e.dc === 4);
      expect(ok.framing).toBe('abridged');
    } finally {
      await client.close();
    }
  });
});
