/**
 * Attack: a blocked source holds fronted connections. With refuse_action = "front" (the default) a blocked client
 * is spliced to the fronting site, as a web server would answer it; those connections skipped the per-source
 * count, so a blocked attacker could hold any number of them. Every connection is now counted from accept,
 * refused-and-fronted ones included, and a source at its cap is closed instead of fronted (docs/security.md,
 * "Limits").
 */
import { describe, expect, it } from 'vitest';
import { SITE_BANNER } from '../helpers/fronting-site.js';
import { readAtLeast, readUntilClose } from '../helpers/net.js';
import { sendGarbage, startSecuredProxy, type SecuredProxy } from '../security/helpers/secured-proxy.js';
import { useAttackRig } from './slot-rig.js';

let p: SecuredProxy | undefined;
const rig = useAttackRig(async () => {
  await p?.stop();
  p = undefined;
});
const sockets = rig.sockets;

describe('attack: a blocked source that holds fronted connections', () => {
  it('an attacker whose address is blocked cannot hold more fronted connections than the per-source cap', async () => {
    p = await startSecuredProxy(rig.dc, {
      policy: { ip_connection_limits: { mode: 'enforce' } }, // explicit: this test is about what is counted
      limits: { refuse_action: 'front', per_ip: { max_connections: 3 } },
      fronting: { host: '127.0.0.1', port: rig.site.port },
    });
    p.layer.blocks.add('127.0.0.1', 'attacker', { ttl: '10m' });
    for (let i = 0; i < 3; i++) {
      const socket = await sendGarbage(p.proxy.port, Buffer.from('GET / HTTP/1.1\r\n\r\n'));
      sockets.push(socket);
      expect((await readAtLeast(socket, SITE_BANNER.length)).equals(SITE_BANNER)).toBe(true); // fronted, held
    }
    for (let i = 0; i < 2; i++) {
      const socket = await sendGarbage(p.proxy.port, Buffer.from('GET / HTTP/1.1\r\n\r\n'));
      sockets.push(socket);
      expect(await readUntilClose(socket, 5_000)).toEqual({ data: Buffer.alloc(0), closed: true });
    }
    const refusedBy = p.proxy.events.filter((e) => e.name === 'connection.refused').map((e) => (e.data as { by: string }).by);
    expect(refusedBy).toEqual(['block', 'block', 'block', 'limit', 'limit']);
    // A fronted connection that ends gives its slot back.
    sockets[0]!.destroy();
    await p.proxy.waitFor('connection.closed', (e) => e.reason !== 'refused:limit');
    const again = await sendGarbage(p.proxy.port, Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    sockets.push(again);
    expect((await readAtLeast(again, SITE_BANNER.length)).equals(SITE_BANNER)).toBe(true);
  });
});
