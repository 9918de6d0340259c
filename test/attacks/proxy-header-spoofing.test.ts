/**
 * Attack: a client that reaches the port directly (not through the trusted load balancer) sends its own PROXY
 * header to pick the address it is judged by, e.g. to escape a block on its real address or to pin a block on
 * someone else's.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { encodeProxyV1 } from '../../src/protocol/proxy-protocol-encode.js';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import { startFakeDc } from '../helpers/fake-dc.js';
import { connectTo, readUntilClose } from '../helpers/net.js';
import { startTestProxy } from '../helpers/proxy.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('PROXY header spoofing', () => {
  it('an attacker who is not a trusted balancer cannot choose its address with a PROXY header', async () => {
    const dc = await startFakeDc();
    cleanups.push(() => dc.close());
    const proxy = await startTestProxy({
      users: { d: { secret: formatSecret(generateSecret('dd')) } },
      upstream: { dc: { '2': [`127.0.0.1:${dc.port}`] } },
      server: { proxy_protocol: true, proxy_protocol_trusted: ['10.0.0.0/8'] },
    });
    cleanups.push(() => proxy.stop());
    const socket = await connectTo(proxy.port);
    socket.write(encodeProxyV1({ source: { address: '198.51.100.66', port: 1234 }, destination: { address: '10.0.0.1', port: 443 } }));
    const { data, closed } = await readUntilClose(socket, 5_000);
    expect([closed, data.length]).toEqual([true, 0]);
    const refused = await proxy.waitFor('connection.refused');
    expect([refused.by, refused.reason, refused.remoteAddress]).toEqual(['proxy_protocol', 'untrusted_peer', '127.0.0.1']);
    expect(proxy.events.some((e) => e.name === 'connection.accepted')).toBe(false);
  });
});
