/**
 * A client that drips its ClientHello one byte per TCP segment. The session holds every byte read before the
 * handshake decides (a failed one is spliced to the fronting site byte for byte); re-joining what it held on every
 * chunk copied 1 + 2 + … + n bytes, about 8 MiB for a 4 KiB hello, so a few such clients could keep a core busy.
 * The bytes the proxy copies to hold the hello are counted (src/proxy/held-bytes.ts counts its own copies; any
 * Buffer.concat while the hello drips counts too) and must stay linear in the hello's length. The hello is valid,
 * so the proxy's answer shows the dripped bytes took the ordinary path.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Socket } from 'node:net';
import { buildClientHello } from '../../src/protocol/faketls.js';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import { heldBytesCopied } from '../../src/proxy/held-bytes.js';
import { startFakeDc, type FakeDc } from '../helpers/fake-dc.js';
import { connectTo, readAtLeast } from '../helpers/net.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';

const DOMAIN = 'example.com';
const eeSecret = generateSecret('ee', DOMAIN);
/** Near the largest hello the proxy authenticates (src/proxy/handshake-tls.ts MAX_CLIENT_HELLO_BYTES). */
const HELLO_BYTES = 4000;

let dc: FakeDc;
let proxy: TestProxy;

beforeAll(async () => {
  dc = await startFakeDc();
  proxy = await startTestProxy({
    users: { tls: { secret: formatSecret(eeSecret) } },
    upstream: { dc: { '2': [`127.0.0.1:${dc.port}`] } },
    server: { handshake_timeout: '60s' },
  });
});

afterAll(async () => {
  await proxy?.stop();
  await dc?.close();
});

/** Lets the proxy (in this process) read what was written before the next byte goes out. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Writes `bytes` one byte per write (Nagle off: one segment each) and returns the bytes copied meanwhile. */
async function dripAndCount(socket: Socket, bytes: Uint8Array): Promise<number> {
  let concatenated = 0;
  const concat = Buffer.concat;
  const spy = vi.spyOn(Buffer, 'concat').mockImplementation((list, length) => {
    const joined = concat(list, length);
    concatenated += joined.length;
    return joined;
  });
  const heldBefore = heldBytesCopied.bytes;
  try {
    for (let i = 0; i < bytes.length; i++) {
      socket.write(bytes.subarray(i, i + 1));
      await turn();
      await turn();
    }
    return concatenated + heldBytesCopied.bytes - heldBefore;
  } finally {
    spy.mockRestore();
  }
}

describe('handshake byte drip', () => {
  it('an attacker who sends the hello one byte per segment cannot make the proxy do quadratic work', async () => {
    const { record } = buildClientHello(eeSecret.key, DOMAIN, Date.now(), { padTo: HELLO_BYTES });
    expect(record.length).toBe(HELLO_BYTES);
    const socket = await connectTo(proxy.port);
    socket.setNoDelay(true);
    try {
      const answer = readAtLeast(socket, 3, 30_000);
      const copied = await dripAndCount(socket, record);
      // The dripped hello was read and accepted: the proxy answers with its ServerHello record.
      expect([...(await answer).subarray(0, 3)]).toEqual([0x16, 0x03, 0x03]);
      // Linear: each byte copied into the held bytes once, plus the doublings (at most 2n more). Re-joining per
      // chunk copies n²/2 bytes (8 MB here), far above this even if the kernel merged many segments.
      expect(copied).toBeLessThanOrEqual(4 * HELLO_BYTES);
    } finally {
      socket.destroy();
    }
  }, 60_000);
});
