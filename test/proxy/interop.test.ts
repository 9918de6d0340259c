/**
 * Interop with real client transports through the proxy to the fake DC: mtcute (plain, dd, ee) and GramJS
 * (plain, dd), frames of 0–70 000 bytes, media and test DC ids.
 */
import { TransportError } from '@mtcute/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadKernels } from '../../src/kernels/index.js';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import { gramjsClient, mtcuteClient, type DcChoice, type FrameClient } from '../helpers/clients.js';
import { startFakeDc, type FakeDc } from '../helpers/fake-dc.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';

const plain = formatSecret(generateSecret('plain'));
const dd = formatSecret(generateSecret('dd'));
const ee = formatSecret(generateSecret('ee', 'example.com'));

type Framing = 'abridged' | 'intermediate' | 'padded';

/** mtcute: secret name, secret, proxy user, the framing mtcute picks for that secret (mtproxy/index.js). */
const MTCUTE_SECRETS = [
  ['plain', plain, 'p', 'intermediate'],
  ['dd', dd, 'd', 'padded'],
  ['ee', ee, 'e', 'padded'],
] as const;

/** GramJS: always abridged (ConnectionTCPMTProxyAbridged), even with a dd secret. */
const GRAMJS_SECRETS = [
  ['plain', plain, 'p'],
  ['dd', dd, 'd'],
] as const;

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
const SIZES = [8, 16, 252, 1024, 16_384, 16_388, 70_000];
// Abridged (GramJS) carries whole 32-bit words only; 504/508 straddle its 1-byte / 4-byte length header.
const ABRIDGED_SIZES = [8, 256, 504, 508, 1024, 16_384, 70_000];
// Sent after an empty frame: both clients read an empty frame only once more bytes are buffered (below).
const FOLLOW_UP = frame(8, 99);

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

/**
 * Runs one connection and checks where it went: the fake DC saw exactly one new connection, with the DC id
 * the client asked for in its header and the client's framing, and the proxy's handshake.ok names the user.
 */
async function expectRouted(
  open: () => Promise<FrameClient>,
  expected: { dc: number; user: string; mode: 'plain' | 'dd' | 'ee'; framing: Framing },
): Promise<void> {
  const dcBefore = dc.connections.length;
  const eventsBefore = proxy.events.length;
  const client = await open();
  try {
    const sent = frame(64, 7);
    await client.send(sent);
    expectEcho(await client.receive(), sent, expected.framing === 'padded');
    // handshake.ok is emitted before the proxy dials the DC, so it is recorded by the time the echo is back.
    expect(dc.connections.slice(dcBefore).map((c) => ({ dc: c.dc, tag: c.tag }))).toEqual([
      { dc: expected.dc, tag: expected.framing },
    ]);
    const ok = proxy.events.slice(eventsBefore).filter((e) => e.name === 'handshake.ok').map((e) => e.data);
    expect(ok).toHaveLength(1);
    expect(ok[0]).toMatchObject(expected);
  } finally {
    await client.close();
  }
}

/**
 * DC ids a client can ask for: media DCs are negative, test DCs are offset by 10 000 (mtcute's
 * ObfuscatedPacketCodec.tag() writes them as an int16 at byte 60), and the proxy passes the id on unchanged.
 */
const DC_CHOICES: readonly (readonly [string, DcChoice, number])[] = [
  ['DC 1', { id: 1 }, 1],
  ['media DC -4', { id: 4, media: true }, -4],
  ['test DC 10002', { id: 2, test: true }, 10002],
  ['media test DC -10001', { id: 1, media: true, test: true }, -10001],
  ['CDN DC 203', { id: 203 }, 203],
];

describe('mtcute MtProxyTcpTransport', () => {
  it.each(MTCUTE_SECRETS)('%s secret: frames of 8–70 000 bytes come back intact', async (name, secret) => {
    const client = await mtcuteClient(proxy.port, secret, { id: 2 });
    try {
      for (const [i, size] of SIZES.entries()) {
        const sent = frame(size, i);
        await client.send(sent);
        expectEcho(await client.receive(), sent, name !== 'plain');
      }
    } finally {
      await client.close();
    }
  });

  /*
   * Empty frames. mtcute encodes them in every mode (intermediate: `00000000`; padded: length = padding,
   * then 0–15 random bytes). On the way back, IntermediatePacketCodec.decode
   * (node_modules/@mtcute/core/network/transports/intermediate.js) waits until 8 bytes are buffered, so an
   * empty (or 1–3-byte) frame is only returned once the next frame is in: each empty frame is followed by
   * FOLLOW_UP. The same decode reads any frame of length 4 as a transport error code and throws
   * TransportError: with padded intermediate, the echo of an empty frame is 4 bytes long whenever the client
   * picked 4 bytes of padding (PaddedIntermediatePacketCodec.encode, `getRandomInt(16)`, i.e. Math.random in
   * node_modules/@mtcute/core/utils/misc-utils.js). So every padding 0–15 is forced once through Math.random,
   * and for 4 the client must see a TransportError — still followed by an intact FOLLOW_UP, proving the
   * stream stayed aligned through the proxy.
   */
  it.each(MTCUTE_SECRETS)('%s secret: an empty frame comes back, with every padding the client can pick', async (name, secret) => {
    const padded = name !== 'plain';
    const paddings = padded ? Array.from({ length: 16 }, (_, p) => p) : [undefined];
    const client = await mtcuteClient(proxy.port, secret, { id: 2 });
    const random = vi.spyOn(Math, 'random');
    try {
      for (const padding of paddings) {
        // PaddedIntermediatePacketCodec.encode runs synchronously inside send(), so this value is the one
        // it draws; the echo's length below shows that it did.
        if (padding !== undefined) random.mockReturnValueOnce((padding + 0.5) / 16);
        await client.send(new Uint8Array(0));
        await client.send(FOLLOW_UP);
        if (padding === 4) {
          await expect(client.receive()).rejects.toBeInstanceOf(TransportError);
        } else {
          expect((await client.receive()).length).toBe(padding ?? 0);
        }
        expectEcho(await client.receive(), FOLLOW_UP, padded);
      }
    } finally {
      random.mockRestore();
      await client.close();
    }
  });

  it.each(MTCUTE_SECRETS.flatMap(([name, secret, user, framing]) => DC_CHOICES.map(([label, choice, id]) => [name, label, secret, user, framing, choice, id] as const)))(
    '%s secret, %s: the DC id reaches the DC',
    async (name, _label, secret, user, framing, choice, id) => {
      await expectRouted(() => mtcuteClient(proxy.port, secret, choice), { dc: id, user, mode: name, framing });
    },
  );
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
  it.each(GRAMJS_SECRETS)('%s secret: frames of 8–70 000 bytes come back intact', async (_name, secret) => {
    const client = await gramjsClient(proxy.port, secret, 2);
    try {
      for (const [i, size] of ABRIDGED_SIZES.entries()) {
        const sent = frame(size, i + 100);
        await client.send(sent);
        expectEcho(await client.receive(), sent, false);
      }
    } finally {
      await client.close();
    }
  });

  /*
   * An empty frame is the single length byte 00 (AbridgedPacketCodec.encodePacket,
   * node_modules/telegram/network/connection/TCPAbridged.js). Reading it back, readPacket asks for 0 bytes
   * and PromisedNetSockets.read (node_modules/telegram/extensions/PromisedNetSockets.js) first awaits
   * `canRead`, i.e. more bytes, so the empty frame is delivered once FOLLOW_UP arrives behind it.
   */
  it.each(GRAMJS_SECRETS)('%s secret: an empty frame comes back', async (_name, secret) => {
    const client = await gramjsClient(proxy.port, secret, 2);
    try {
      for (let round = 0; round < 3; round++) {
        await client.send(new Uint8Array(0));
        await client.send(FOLLOW_UP);
        expect((await client.receive()).length).toBe(0);
        expectEcho(await client.receive(), FOLLOW_UP, false);
      }
    } finally {
      await client.close();
    }
  });

  /*
   * Positive DC ids only: MTProxyIO.initHeader (node_modules/telegram/network/connection/TCPMTProxy.js)
   * writes the id with Buffer.writeInt8 into the first byte of the int16 at offset 60 and leaves the second
   * byte 0. A media id -N arrives as 256 - N (next test), and an id outside -128..127 — every test DC
   * (±10 000 offset) and CDN DC 203 — makes writeInt8 throw before anything is sent. A client bug.
   */
  it.each(GRAMJS_SECRETS.flatMap(([name, secret, user]) => [1, 2, 4].map((id) => [name, id, secret, user] as const)))(
    '%s secret, DC %i: the DC id reaches the DC',
    async (_name, id, secret, user) => {
      // The proxy names the mode after the framing the client used (handshake.ts): abridged with a dd
      // secret is 'plain', as it would be refused where only padded ('dd') connections are allowed.
      await expectRouted(() => gramjsClient(proxy.port, secret, id), { dc: id, user, mode: 'plain', framing: 'abridged' });
    },
  );

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
});
