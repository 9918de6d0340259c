// Attack: active probing by comparison. A censor holding a valid client's hello (or a valid client of its
// own) compares the proxy's answer with the first flight of the site the proxy claims to be. The proxy
// must answer with the site's record shape and suite, a certificate flight the size of the site's (within
// its own variation), and take about as long as the site does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseServerFlight, probeFlight, ProfileStore } from '../../src/fronting/index.js';
import { buildClientHello, verifyServerAnswer } from '../../src/protocol/faketls.js';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import { connectTo, readAtLeast } from '../helpers/net.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { makeChain, startTlsSite, type TlsSite } from '../fronting/tls-site.js';

const DOMAIN = 'example.com';
const PROBE = { quietMs: 100, connectTimeoutMs: 2000, readTimeoutMs: 3000 };
const secret = generateSecret('ee', DOMAIN);
let site: TlsSite;
let store: ProfileStore;
let proxy: TestProxy;

beforeAll(async () => {
  site = await startTlsSite(makeChain(40)); // a long chain: far from the old 1024..4095 template
  store = new ProfileStore({
    domains: [DOMAIN],
    target: () => ({ host: '127.0.0.1', port: site.port }),
    probe: PROBE,
    timer: { setInterval: () => 0, clearInterval: () => undefined },
  });
  await store.start();
  proxy = await startTestProxy(
    { users: { e: { secret: formatSecret(secret) } }, fronting: { host: '127.0.0.1', port: site.port } },
    { profiles: store },
  );
}, 60_000);

afterAll(async () => {
  store?.stop();
  await proxy?.stop();
  await site?.close();
});

/** The proxy's answer to a valid hello: the flight as parsed. */
async function proxyFlight() {
  const hello = buildClientHello(secret.key, DOMAIN, Date.now());
  const socket = await connectTo(proxy.port);
  socket.write(hello.record);
  let bytes = Buffer.alloc(0);
  try {
    for (;;) {
      bytes = Buffer.concat([bytes, await readAtLeast(socket, 1)]);
      const result = verifyServerAnswer(secret.key, hello.random, bytes);
      if (result.status === 'error') throw result.error;
      if (result.status === 'ok') return parseServerFlight(bytes.subarray(0, result.length));
    }
  } finally {
    socket.destroy();
  }
}

describe('attack: comparing the proxy answer with the fronting site', () => {
  it("an attacker who compares the proxy's flight with the site's cannot tell them apart by shape, suite or size", async () => {
    const samples = [];
    for (let i = 0; i < 5; i++) samples.push(await probeFlight({ host: '127.0.0.1', port: site.port }, DOMAIN, PROBE));
    // what the site sends as its certificate flight, in bytes on the wire after the CCS
    const siteFlights = samples.map((s) => s.encryptedSizes.reduce((a, b) => a + b, 0) + 5 * (s.encryptedSizes.length - 1));
    const lo = Math.min(...siteFlights) - 64;
    const hi = Math.max(...siteFlights) + 64;
    const sizes = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const flight = await proxyFlight();
      expect(flight.cipherSuite).toBe(samples[0]!.cipherSuite);
      expect(flight.extensionOrder).toEqual(samples[0]!.extensionOrder);
      expect(flight.serverHelloLength).toBe(samples[0]!.serverHelloLength);
      const size = flight.encryptedSizes[0]!;
      expect(size, `proxy flight ${size} vs the site's ${lo + 64}..${hi - 64}`).toBeGreaterThanOrEqual(lo);
      expect(size).toBeLessThanOrEqual(hi);
      sizes.add(size);
    }
    expect(sizes.size).toBeGreaterThan(5);
  }, 60_000);
});
