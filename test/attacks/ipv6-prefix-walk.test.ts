/**
 * Attack: walk a /64 around the per-source connection cap. A host is given a whole IPv6 /64, so an attacker can
 * open each connection from a new address of it; when the proxy counted whole addresses, the cap never applied.
 * Sources are now IPv4 addresses or IPv6 /64s (docs/security.md, "Limits"). Loopback IPv6 is one address, so
 * the addresses come from PROXY protocol headers sent from 127.0.0.1, a trusted balancer here.
 */
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { encodeProxyV1 } from '../../src/protocol/proxy-protocol-encode.js';
import { readUntilClose } from '../helpers/net.js';
import { startSecuredProxy, type SecuredProxy } from '../security/helpers/secured-proxy.js';
import { useAttackRig } from './slot-rig.js';

let p: SecuredProxy | undefined;
const rig = useAttackRig(async () => {
  await p?.stop();
  p = undefined;
});

/** A connection whose PROXY header names `address` as the client; it then stays silent (handshaking). */
async function from(address: string): Promise<Socket> {
  const socket = await rig.silent(p!.proxy.port);
  socket.write(encodeProxyV1({ source: { address, port: 40_000 + rig.sockets.length }, destination: { address: '2001:db8::443', port: 443 } }));
  return socket;
}

describe('attack: an IPv6 /64 walked around the per-source cap', () => {
  it('an attacker who opens each connection from a new address of one /64 cannot go past the per-source cap', async () => {
    p = await startSecuredProxy(rig.dc, {
      server: { proxy_protocol: true, proxy_protocol_trusted: ['127.0.0.1/32'] },
      policy: { ip_connection_limits: { mode: 'enforce' } }, // explicit: this test is about the key, not the default
      limits: { refuse_action: 'close', per_ip: { max_connections: 4 } },
    });
    for (let host = 1; host <= 4; host++) {
      await from(`2001:db8:1:2::${host}`);
      await p.proxy.waitFor('connection.accepted', (e) => e.remoteAddress === `2001:db8:1:2::${host}`);
    }
    // Two more from the same /64, each from an address never seen before.
    const walked = [await from('2001:db8:1:2:ffff::5'), await from('2001:db8:1:2:abcd:1234:5678:9abc')];
    for (const socket of walked) expect(await readUntilClose(socket, 5_000)).toEqual({ data: Buffer.alloc(0), closed: true });
    const refused = p.proxy.events.filter((e) => e.name === 'connection.refused').map((e) => e.data as { by: string; remoteAddress: string });
    expect(refused).toEqual([
      expect.objectContaining({ by: 'limit', remoteAddress: '2001:db8:1:2:ffff::5' }),
      expect.objectContaining({ by: 'limit', remoteAddress: '2001:db8:1:2:abcd:1234:5678:9abc' }),
    ]);
    // Another /64 is another source.
    await from('2001:db8:1:3::1');
    await p.proxy.waitFor('connection.accepted', (e) => e.remoteAddress === '2001:db8:1:3::1');
    expect(p.proxy.events.filter((e) => e.name === 'connection.refused')).toHaveLength(2);
  });
});
