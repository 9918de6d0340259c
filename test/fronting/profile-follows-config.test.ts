// The fronting profiles follow the running process's users (src/app.ts → ProfileStore.update): the whole
// process as `mtshield run` starts it (startApp), fronting a node:tls site on 127.0.0.1 that serves a different
// RSA-2048 chain per SNI name. A reload that adds an ee user with a new domain, or a user added through the
// admin API, gets answers shaped by that domain's own profile, not by the first domain's; a reload that drops
// a domain forgets its profile; a reload that moves `[fronting] port` measures the new site.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../src/app.js';
import type { SiteProfile } from '../../src/fronting/index.js';
import { createLogger } from '../../src/log/logger.js';
import { formatSecret, generateSecret, parseSecret, type ParsedSecret } from '../../src/protocol/secrets.js';
import { generateAdminToken } from '../../src/security/credentials/tokens.js';
import { call } from '../admin/helpers.js';
import { startFakeDc, type FakeDc } from '../helpers/fake-dc.js';
import { makeStateDir, testConfig } from '../helpers/proxy.js';
import { answersShapedBy, withinVariation } from './answers.js';
import { makeChain, startTlsSite, type TlsSite } from './tls-site.js';

const FIRST = 'example.com';
const RELOADED = 'cdn.example.org';
const VIA_API = 'static.example.net';

const first = generateSecret('ee', FIRST);
const reloaded = generateSecret('ee', RELOADED);
const ops = generateAdminToken();
let site: TlsSite;
let moved: TlsSite;
let dc: FakeDc;
let stateDir: string;
let app: App;

function configWith(users: Record<string, ParsedSecret>, sitePort = site.port) {
  return testConfig(
    {
      users: Object.fromEntries(Object.entries(users).map(([name, s]) => [name, { secret: formatSecret(s) }])),
      upstream: { dc: { '2': [`127.0.0.1:${dc.port}`] } },
      fronting: { host: '127.0.0.1', port: sitePort, connect_timeout: '2s' },
      // Dozens of handshakes a second from 127.0.0.1: over the per-source rate enforced by default.
      limits: { per_ip: { new_connections_per_second: 1000, failed_handshakes_per_minute: 1000 } },
      admin: { listen: '127.0.0.1:0', tokens: [{ name: 'ops', level: 'admin', sha256: ops.sha256 }] },
      log: { level: process.env.MTSHIELD_TEST_LOG ?? 'silent' }, // a reload sets the logger's level
    },
    stateDir,
  );
}

/** The measured profile of `domain` once its background probe has landed (other than `stale`). */
async function measured(domain: string, stale?: SiteProfile): Promise<SiteProfile> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const profile = app.profiles!.get(domain);
    if (profile.source === 'site' && profile !== stale) return profile;
    if (Date.now() > deadline) throw new Error(`${domain} not profiled: ${profile.source} (${profile.reason ?? ''})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const port = () => app.service.server.addresses()[0]!.port;

beforeAll(async () => {
  const chains = { [RELOADED]: makeChain(60), [VIA_API]: makeChain(110) };
  site = await startTlsSite(makeChain(12), chains);
  moved = await startTlsSite(makeChain(160));
  dc = await startFakeDc();
  stateDir = makeStateDir();
  app = await startApp(configWith({ a: first }), createLogger(process.env.MTSHIELD_TEST_LOG ?? 'silent'));
}, 90_000);

afterAll(async () => {
  await app?.stop(0);
  await site?.close();
  await moved?.close();
  await dc?.close();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

describe('the fronting profiles follow the running config (startApp, a node:tls site on 127.0.0.1)', () => {
  it("a reload that adds an ee user with a new domain: that domain's profile shapes its answers, not the first domain's", async () => {
    const firstProfile = await measured(FIRST);
    await app.reload(configWith({ a: first, b: reloaded }));
    const profile = await measured(RELOADED);
    expect(Math.min(...profile.flightSizes)).toBeGreaterThan(Math.max(...firstProfile.flightSizes) + 64);
    const sizes = await answersShapedBy(port(), reloaded, profile);
    expect(withinVariation(sizes, profile), sizes.join(' ')).toBe(true);
    // the first domain's clients keep their own
    expect(withinVariation(await answersShapedBy(port(), first, firstProfile, 5), firstProfile)).toBe(true);
  }, 60_000);

  it("a user added through the admin API with a new domain: that domain's profile shapes its answers", async () => {
    const created = await call(app.admin!.url, 'POST', '/api/v1/users', { token: ops.token, body: { name: 'c', mode: 'ee', domain: VIA_API } });
    expect(created.status).toBe(201);
    const secret = parseSecret(app.service.server.users.get('c')!.secret);
    const profile = await measured(VIA_API);
    expect(Math.min(...profile.flightSizes)).toBeGreaterThan(Math.max(...app.profiles!.get(RELOADED).flightSizes) + 64);
    const sizes = await answersShapedBy(port(), secret, profile);
    expect(withinVariation(sizes, profile), sizes.join(' ')).toBe(true);
  }, 60_000);

  it('a reload that drops a domain forgets it; one that moves [fronting] port measures the new site', async () => {
    await app.reload(configWith({ b: reloaded }));
    // the API user survives the reload (run-time overlay); the config's user a is gone with its domain
    expect(app.profiles!.domains().sort()).toEqual([RELOADED, VIA_API].sort());
    const before = app.profiles!.get(RELOADED);
    await app.reload(configWith({ b: reloaded }, moved.port));
    const after = await measured(RELOADED, before);
    expect(Math.min(...after.flightSizes)).toBeGreaterThan(Math.max(...before.flightSizes) + 64);
    expect(withinVariation(await answersShapedBy(port(), reloaded, after), after)).toBe(true);
  }, 60_000);

  it("a key rotated to another domain keeps its old domain's profile through the grace period", async () => {
    const rotated = await call(app.admin!.url, 'POST', '/api/v1/users/c/rotate', {
      token: ops.token,
      body: { secret: formatSecret(generateSecret('ee', FIRST)), grace: '1h' },
    });
    expect(rotated.status).toBe(200);
    await measured(FIRST);
    // the old key (static.example.net) still works for an hour: its clients keep that site's shape
    expect(app.profiles!.domains().sort()).toEqual([FIRST, RELOADED, VIA_API].sort());
  }, 60_000);
});
