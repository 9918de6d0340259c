/**
 * `[fronting] proxy_protocol = true`: a client spliced to the fronting site arrives there behind a PROXY v2
 * header naming the real client (the socket's peer, or the incoming PROXY header's address), and then the
 * client's bytes exactly as sent.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { encodeProxyV1, encodeProxyV2 } from '../../src/protocol/proxy-protocol-encode.js';
import { ProxyHeaderReader } from '../../src/protocol/proxy-protocol.js';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import { startFrontingSite, SITE_BANNER } from '../helpers/fronting-site.js';
import { connectTo, readAtLeast } from '../helpers/net.js';
import { startTestProxy } from '../helpers/proxy.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function frontedThrough(server: Record<string, unknown>, fronting: Record<string, unknown>, before: Buffer) {
  const site = await startFrontingSite();
  cleanups.push(() => site.close());
  const proxy = await startTestProxy({
    users: { e: { secret: formatSecret(generateSecret('ee', 'example.com')) } },
    server,
    fronting: { host: '127.0.0.1', port: site.port, ...fronting },
  });
  cleanups.push(() => proxy.stop());
  const socket = await connectTo(proxy.port);
  cleanups.push(() => void socket.destroy());
  const probe = Buffer.from('GET / HTTP/1.1\r\nHost: example.com\r\n\r\n');
  socket.write(Buffer.concat([before, probe]));
  expect((await readAtLeast(socket, SITE_BANNER.length)).equals(SITE_BANNER)).toBe(true);
  const received = site.connections[0]!.received;
  return { received, probe, socket };
}

describe('PROXY protocol out (fronting)', () => {
  it('sends a v2 header with the client socket address, then the client bytes', async () => {
    const { received, probe, socket } = await frontedThrough({}, { proxy_protocol: true }, Buffer.alloc(0));
    const step = new ProxyHeaderReader().push(received);
    if (step.kind !== 'done') throw new Error('no complete header at the site');
    expect([step.header.version, step.header.command, step.header.source]).toEqual([2, 'proxy', { address: '127.0.0.1', port: socket.localPort }]);
    expect(step.rest.equals(probe)).toBe(true);
  });

  it('names the address of the incoming PROXY header, not the balancer', async () => {
    const client = { source: { address: '203.0.113.7', port: 40_001 }, destination: { address: '198.51.100.1', port: 443 } };
    const { received, probe } = await frontedThrough({ proxy_protocol: true, proxy_protocol_trusted: ['127.0.0.1'] }, { proxy_protocol: true }, encodeProxyV1(client));
    const step = new ProxyHeaderReader().push(received);
    if (step.kind !== 'done') throw new Error('no complete header at the site');
    expect(step.header.source).toEqual(client.source);
    expect(step.rest.equals(probe)).toBe(true);
  });

  it('sends nothing extra when off (the default)', async () => {
    const { received, probe } = await frontedThrough({}, {}, Buffer.alloc(0));
    expect(received.equals(probe)).toBe(true);
    expect(received.subarray(0, 12).equals(encodeProxyV2('local').subarray(0, 12))).toBe(false);
  });
});
