// Timing like the fronting site's: the answer to a valid client waits for the profile's think time, and the
// idle timeout is drawn per connection, so neither is a fixed tell.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fallbackProfile, type ProfileSource, type SiteProfile } from '../../src/fronting/index.js';
import { buildClientHello } from '../../src/protocol/faketls.js';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import { idleScale } from '../../src/proxy/connection-timing.js';
import { connectTo, readAtLeast } from '../helpers/net.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';

const DOMAIN = 'example.com';
const secret = generateSecret('ee', DOMAIN);
/** A site that thinks 300 ms before its flight. */
const slowSite: SiteProfile = { ...fallbackProfile(DOMAIN, Date.now(), 'test'), source: 'site', delaysMs: [300] };
const profiles: ProfileSource = { profileFor: () => slowSite };
let proxy: TestProxy;

beforeAll(async () => {
  proxy = await startTestProxy({ users: { e: { secret: formatSecret(secret) } } }, { profiles });
});

afterAll(async () => {
  await proxy?.stop();
});

describe('answer timing', () => {
  it("a valid client's answer comes after the site's think time (0.8–1.2 × its delay)", async () => {
    for (let i = 0; i < 3; i++) {
      const socket = await connectTo(proxy.port);
      const started = performance.now();
      socket.write(buildClientHello(secret.key, DOMAIN, Date.now()).record);
      await readAtLeast(socket, 1);
      const waited = performance.now() - started;
      socket.destroy();
      expect(waited).toBeGreaterThanOrEqual(0.8 * 300 - 5);
      expect(waited).toBeLessThan(2000);
    }
  });

  it('the idle timeout is drawn per connection between 0.75× and 1.25×', () => {
    expect(idleScale(() => 0)).toBe(0.75);
    expect(idleScale(() => 0.999999)).toBeCloseTo(1.25, 5);
    const draws = Array.from({ length: 200 }, () => idleScale());
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0.75);
    expect(Math.max(...draws)).toBeLessThan(1.25);
    expect(new Set(draws).size).toBeGreaterThan(150);
  });
});
