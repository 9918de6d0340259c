// Which sites `run` profiles (never any on the embedded defaults, the configured site otherwise) and
// `mtshield doctor` printing each fronting domain's profile, measured from a node:tls site on 127.0.0.1, in a
// process that a loopback guard keeps off every other address.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.js';
import { defaultConfig } from '../../src/config/first-run.js';
import { answerProfilesFor, frontingDomains, PROFILE_SWITCH_ENV, ProfileStore, profileStoreFor, profileTargets } from '../../src/fronting/index.js';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import { runCommand } from '../helpers/cli.js';
import { GUARD_MARK, writeLoopbackGuard } from '../helpers/loopback-guard.js';
import { startFakeDc, type FakeDc } from '../helpers/fake-dc.js';
import { makeChain, startTlsSite, type TlsSite } from './tls-site.js';

const ENTRY = fileURLToPath(new URL('../helpers/cli-entry.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;
const log = { info: () => undefined, warn: () => undefined };

let dir: string;
let site: TlsSite;
let dc: FakeDc;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mtshield-doctor-profile-'));
  site = await startTlsSite(makeChain(12));
  dc = await startFakeDc();
}, 60_000);

afterAll(async () => {
  await site?.close();
  await dc?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('which fronting sites run profiles', () => {
  it('none on the embedded defaults (their generated secret names a public site)', () => {
    const { config } = defaultConfig(join(dir, 'state-defaults'));
    expect(frontingDomains(config)).toEqual(['www.google.com']);
    expect(profileStoreFor(config, log)).toBeUndefined();
  });

  it('each secret domain, at [fronting] host when set', () => {
    const a = formatSecret(generateSecret('ee', 'Example.com'));
    const b = formatSecret(generateSecret('ee', 'cdn.example.org'));
    const config = buildConfig({ users: { a: { secret: a }, b: { secret: b } }, fronting: { host: '127.0.0.1', port: site.port } }, 'test');
    const store = profileStoreFor(config, log)!;
    expect(store.domains()).toEqual(['example.com', 'cdn.example.org']);
    expect(config.fronting.profileRefreshMs).toBe(3_600_000);
  });

  it('no fronting domain: an empty store that dials nothing, ready for an ee user added at run time', async () => {
    const none = buildConfig({ users: { d: { secret: formatSecret(generateSecret('dd')) } } }, 'test');
    const store = profileStoreFor(none, log)!;
    expect(store.domains()).toEqual([]);
    let dialled = 0;
    const counting = new ProfileStore({ ...profileTargets(none), fetch: () => (dialled++, Promise.reject(new Error('dialled'))), log });
    await counting.start();
    counting.stop();
    expect(dialled).toBe(0);
  });
});

describe('profiles off (the benchmark switch)', () => {
  it('MTSHIELD_FRONTING_PROFILE=off: no store, nothing dialled, the template answer for every domain', () => {
    const config = buildConfig({ users: { e: { secret: formatSecret(generateSecret('ee', 'example.com')) } }, fronting: { host: '127.0.0.1', port: site.port } }, 'test');
    const off = answerProfilesFor(config, log, { [PROFILE_SWITCH_ENV]: 'off' });
    expect(off.store).toBeUndefined();
    expect(off.source!.profileFor('example.com')).toBeUndefined();
    const on = answerProfilesFor(config, log, {});
    expect(on.store!.domains()).toEqual(['example.com']);
    expect(on.source).toBe(on.store);
  });
});

describe('mtshield doctor', () => {
  it('shows the profile of each fronting domain (a 127.0.0.1 site; nothing else is dialled)', async () => {
    const to = `["127.0.0.1:${dc.port}"]`;
    const file = join(dir, 'doctor.toml');
    writeFileSync(
      file,
      [
        '[server]',
        'listen = ["127.0.0.1:0"]',
        `state_dir = "${join(dir, 'state')}"`,
        '[upstream.dc]',
        ...['1', '2', '3', '4', '5', '203'].map((id) => `"${id}" = ${to}`),
        '[fronting]',
        'host = "127.0.0.1"',
        `port = ${site.port}`,
        'profile_refresh = "30m"',
        '[users.e]',
        `secret = "${formatSecret(generateSecret('ee', 'localhost'))}"`,
      ].join('\n') + '\n',
    );
    const guard = writeLoopbackGuard(dir);
    const cli = runCommand(process.execPath, ['--import', guard, '--import', TSX, ENTRY, 'doctor', '--config', file], dir);
    try {
      await cli.exited(60_000);
      expect(cli.stderr).not.toContain(GUARD_MARK);
      expect(cli.stdout).toMatch(/OK\s+profile\s+localhost: measured, 3 sample\(s\)/);
      expect(cli.stdout).toMatch(/records\s+16 14 17/);
      expect(cli.stdout).toMatch(/hello\s+\d+ bytes, suite 130[123]/);
    } finally {
      cli.stop();
    }
  }, 90_000);
});
