/**
 * Attacks that turn enforcement against bystanders or give the proxy away (docs/security.md, "Anomaly
 * detection"): browsers opening the fronted site through the proxy's address send ordinary TLS hellos that
 * carry no user's HMAC; a prober sends a dozen such hellos and watches for the proxy to start closing
 * connections without a byte, which a web server never does.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildClientHello } from '../../src/protocol/faketls-client.js';
import { startFakeDc, type FakeDc } from '../helpers/fake-dc.js';
import { SITE_BANNER, startFrontingSite, type FrontingSite } from '../helpers/fronting-site.js';
import { readAtLeast } from '../helpers/net.js';
import { conn, startLayer, type TestLayer } from '../security/helpers/layer.js';
import { sendGarbage, startSecuredProxy, type SecuredProxy } from '../security/helpers/secured-proxy.js';

const enforce = { anomaly_actions: { mode: 'enforce', min_severity: 'high', block_ttl: '1h' } };

let t: TestLayer | undefined;
let p: SecuredProxy | undefined;
let dc: FakeDc;
let site: FrontingSite;

beforeAll(async () => {
  dc = await startFakeDc();
  site = await startFrontingSite();
});
afterAll(async () => {
  await dc?.close();
  await site?.close();
});
afterEach(async () => {
  await t?.close();
  await p?.stop();
  t = undefined;
  p = undefined;
});

function fail(layer: TestLayer, ip: string, reason: 'bad_hmac' | 'protocol', times: number) {
  for (let i = 0; i < times; i++) {
    layer.bus.emit('handshake.failed', { ...conn(ip), reason, durationMs: 3 });
    layer.clock.advance(100);
  }
}

describe('attack: enforcement turned on visitors of the fronted site', () => {
  it("browsers visiting the fronted site cannot get the proxy's neighbours' subnet blocked, nor count as a secret scan", async () => {
    t = await startLayer({ policy: enforce });
    // An office behind 203.0.113.0/24: 40 browsers, 5 page loads each, all fronted (no user's HMAC).
    for (let host = 1; host <= 40; host++) fail(t, `203.0.113.${host}`, 'bad_hmac', 5);
    fail(t, '203.0.113.250', 'bad_hmac', 13);
    expect(t.layer.threats.activeThreats().filter((x) => x.type === 'anomaly.subnet_burst' || x.type === 'anomaly.secret_scan')).toEqual([]);
    expect(t.layer.blocks.list()).toEqual([]);
  });

  it('one noisy address cannot get its whole /24 blocked', async () => {
    t = await startLayer({ policy: enforce });
    fail(t, '198.51.100.7', 'protocol', 200);
    const types = t.layer.threats.activeThreats().map((x) => x.type);
    expect(types).toContain('anomaly.handshake_burst');
    expect(types).not.toContain('anomaly.subnet_burst');
    expect(await t.layer.gate.onAccept(conn('198.51.100.8'))).toEqual({ allow: true });
  });
});

describe('attack: a prober tells the proxy from a web server', () => {
  it('a prober who sends 13 ordinary hellos cannot make the proxy close without a byte', async () => {
    p = await startSecuredProxy(dc, {
      policy: enforce,
      limits: {}, // the default refuse action (the helper's own default is close)
      fronting: { host: '127.0.0.1', port: site.port },
    });
    for (let i = 0; i < 13; i++) {
      const socket = await sendGarbage(p.proxy.port, Buffer.from(buildClientHello(randomBytes(16), 'example.com', Date.now()).record));
      expect((await readAtLeast(socket, SITE_BANNER.length)).equals(SITE_BANNER)).toBe(true);
      socket.destroy();
    }
    // Even a blocked source is answered by the site, as a web server would answer it.
    p.layer.blocks.add('127.0.0.0/8', 'probe', { ttl: '10m' });
    const socket = await sendGarbage(p.proxy.port, Buffer.from(buildClientHello(randomBytes(16), 'example.com', Date.now()).record));
    expect((await readAtLeast(socket, SITE_BANNER.length)).equals(SITE_BANNER)).toBe(true);
    socket.destroy();
  });
});
