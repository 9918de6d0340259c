/**
 * Attack: fill the proxy's global connection cap ([server] max_connections) with connections that never
 * authenticate, so that no real client gets a slot. Unauthenticated connections (handshaking, fronted, sunk) may
 * now hold only [limits] unauthenticated_share of the cap; past it, a new connection displaces the oldest of
 * them, and authenticated clients are never displaced (src/proxy/slots.ts, docs/security.md "Slots").
 */
import { describe, expect, it } from 'vitest';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import { readUntilClose } from '../helpers/net.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { obfuscatedClient, type RawClient } from '../helpers/raw-client.js';
import { useAttackRig } from './slot-rig.js';

const dd = generateSecret('dd');
let proxy: TestProxy | undefined;
const rig = useAttackRig(async () => {
  await proxy?.stop();
  proxy = undefined;
});

/** Cap 6, of which unauthenticated connections may hold half. */
async function start(): Promise<TestProxy> {
  proxy = await startTestProxy({
    users: { d: { secret: formatSecret(dd) } },
    upstream: { dc: { '2': [`127.0.0.1:${rig.dc.port}`] } },
    server: { max_connections: 6, handshake_timeout: '10s' },
    limits: { unauthenticated_share: 0.5 },
    fronting: { host: '127.0.0.1', port: rig.site.port },
  });
  return proxy;
}

/** An authenticated client that stays connected; true once a frame went to the DC and back. */
async function honest(port: number): Promise<RawClient | undefined> {
  try {
    const client = await obfuscatedClient(port, dd.key);
    client.socket.on('error', () => {});
    rig.sockets.push(client.socket);
    const frame = new Uint8Array(64).map((_, i) => i);
    client.send(frame);
    const back = await client.receive(3_000);
    return Buffer.from(back).equals(Buffer.from(frame)) ? client : undefined;
  } catch {
    return undefined;
  }
}

async function echoes(client: RawClient): Promise<boolean> {
  const frame = new Uint8Array(32).fill(7);
  client.send(frame);
  try {
    return Buffer.from(await client.receive(3_000)).equals(Buffer.from(frame));
  } catch {
    return false;
  }
}

const accepted = (p: TestProxy) => p.events.filter((e) => e.name === 'connection.accepted').length;

describe('attack: the global connection cap filled with connections that never authenticate', () => {
  it('an attacker who fills every slot with silent connections cannot keep an authenticated client out', async () => {
    const p = await start();
    for (let i = 0; i < 6; i++) {
      await rig.silent(p.port);
      await p.waitFor('connection.accepted', () => accepted(p) >= i + 1);
    }
    expect(await honest(p.port)).toBeDefined();
    expect(p.events.some((e) => e.name === 'connection.refused' && e.data.by === 'overload')).toBe(false);
    // The attacker's oldest connections gave up their slots.
    expect(p.events.filter((e) => e.name === 'connection.closed' && e.data.reason === 'evicted').length).toBeGreaterThanOrEqual(3);
  });

  it('authenticated clients beyond the unauthenticated share still get in, and are never displaced', async () => {
    const p = await start();
    const clients: RawClient[] = [];
    for (let round = 0; round < 6; round++) {
      // The attacker floods between every honest connection.
      for (let i = 0; i < 4; i++) await rig.silent(p.port);
      await p.waitFor('connection.accepted', () => accepted(p) >= round * 5 + 4);
      const client = await honest(p.port);
      expect(client, `honest client ${round + 1} of 6`).toBeDefined();
      clients.push(client!);
    }
    // Every slot is authenticated now: the attacker is refused, and no authenticated client was displaced.
    const late = await rig.silent(p.port);
    expect(await readUntilClose(late, 5_000)).toEqual({ data: Buffer.alloc(0), closed: true });
    expect(p.events.some((e) => e.name === 'connection.refused' && e.data.by === 'overload')).toBe(true);
    for (const client of clients) expect(await echoes(client)).toBe(true);
  });
});
