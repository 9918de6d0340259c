/**
 * Attack: hold the proxy's slots with connections that never authenticate. A client that fails the handshake is
 * spliced to the fronting site (or, with no site, read and ignored) so that it sees a web server; before, those
 * connections lived under the relay's 5-minute idle timeout, so an attacker could park thousands of them for
 * minutes each. Fronted connections now have [fronting] idle_timeout and max_lifetime, and a sink ends at its
 * handshake deadline (docs/security.md, "Slots").
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import { SITE_BANNER } from '../helpers/fronting-site.js';
import { readAtLeast, waitForPeerClose } from '../helpers/net.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { useAttackRig } from './slot-rig.js';

const dd = generateSecret('dd');
let proxy: TestProxy | undefined;
const rig = useAttackRig(async () => {
  await proxy?.stop();
  proxy = undefined;
});

/** The proxy with one dd user; `fronting` false: no fronting site at all (failed clients are sunk). */
async function start(fronting: Record<string, unknown> | false): Promise<TestProxy> {
  proxy = await startTestProxy({
    users: { d: { secret: formatSecret(dd) } },
    server: { handshake_timeout: '1s' }, // idle_timeout stays at its default, 5 minutes
    ...(fronting ? { fronting: { host: '127.0.0.1', port: rig.site.port, ...fronting } } : {}),
  });
  return proxy;
}

/** A connection that fails the handshake at once (64 random bytes are no user's header). */
async function failedConnection(port: number): Promise<Socket> {
  const socket = await rig.silent(port);
  socket.write(randomBytes(64));
  return socket;
}

/** Writes one byte every `everyMs` while the socket is open. */
function trickle(socket: Socket, everyMs: number): () => void {
  const timer = setInterval(() => {
    if (!socket.destroyed && socket.writable) socket.write(randomBytes(1));
  }, everyMs);
  return () => clearInterval(timer);
}

describe('attack: fronted and sunk connections that hold a slot', () => {
  it('an attacker who opens fronted connections and keeps them silent cannot hold them past the fronting idle timeout', async () => {
    const p = await start({ idle_timeout: '1s' });
    const socket = await failedConnection(p.port);
    expect((await readAtLeast(socket, SITE_BANNER.length)).equals(SITE_BANNER)).toBe(true); // fronted: the site answered
    // 1 s × at most 1.25, plus the once-a-second sweep: closed well within 4 s (the relay's timeout is 5 minutes).
    expect(await waitForPeerClose(socket, 4_000)).toBe(true);
    expect((await p.waitFor('connection.closed')).reason).toBe('idle');
  });

  it('an attacker who keeps a fronted connection busy with a byte now and then cannot hold it past its max lifetime', async () => {
    const p = await start({ idle_timeout: '5s', max_lifetime: '2s' });
    const socket = await failedConnection(p.port);
    expect((await readAtLeast(socket, SITE_BANNER.length)).equals(SITE_BANNER)).toBe(true);
    const stop = trickle(socket, 200);
    try {
      expect(await waitForPeerClose(socket, 5_000)).toBe(true); // 2 s × at most 1.25, plus the sweep
    } finally {
      stop();
    }
    expect((await p.waitFor('connection.closed')).reason).toBe('lifetime');
  });

  it('an attacker who trickles bytes into a sunk connection (no fronting site) cannot hold it past the handshake deadline', async () => {
    const p = await start(false);
    const socket = await failedConnection(p.port);
    await p.waitFor('handshake.failed');
    const stop = trickle(socket, 200);
    try {
      // handshake_timeout 1 s × at most 1.25, plus the sweep.
      expect(await waitForPeerClose(socket, 4_000)).toBe(true);
    } finally {
      stop();
    }
    expect((await p.waitFor('connection.closed')).reason).toBe('lifetime');
  });
});
