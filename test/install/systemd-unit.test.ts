/**
 * contrib/systemd/mtshield.service passes `systemd-analyze verify` (Debian's systemd package; .ci/run installs
 * it). verify also checks that ExecStart's executable exists on this machine, so it runs on a copy whose
 * executable (/usr/bin/node in the unit) is rewritten to the node running this test; nothing else changes, and
 * the script path is an argument, which verify does not look at. verify reports unknown keys and bad values as
 * warnings with exit status 0, so any line naming the unit fails the test too. The unit's launch settings are
 * checked with the others in test/proxy/launch.test.ts.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/config/index.js';
import { parseDuration } from '../../src/vocabulary/index.js';
import { packagePath } from '../../src/util/paths.js';
import { which } from '../helpers/which.js';

const UNIT = readFileSync(packagePath('contrib', 'systemd', 'mtshield.service'), 'utf8');
const NODE_IN_UNIT = '/usr/bin/node';

const haveVerify = which('systemd-analyze') !== undefined;
if (!haveVerify) console.warn('systemd-analyze is not on PATH: the unit is not verified here (install it: apt-get install -y systemd)');

/** The settings of the [Service] section: key → values in file order. */
function serviceSettings(text: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) section = header[1]!;
    else if (section === 'Service') {
      const eq = line.indexOf('=');
      const key = line.slice(0, eq);
      settings.set(key, [...(settings.get(key) ?? []), line.slice(eq + 1)]);
    }
  }
  return settings;
}

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mtshield-unit-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** systemd-analyze verify on `text` saved as mtshield.service: its exit status and the lines naming the unit. */
async function verify(text: string): Promise<{ ok: boolean; complaints: string[] }> {
  const file = join(dir, 'mtshield.service');
  writeFileSync(file, text.replaceAll(`ExecStart=${NODE_IN_UNIT} `, `ExecStart=${process.execPath} `));
  const result = await promisify(execFile)('systemd-analyze', ['verify', '--man=no', file], { timeout: 30_000 }).then(
    (r) => ({ ok: true, out: r.stdout + r.stderr }),
    (e: { stdout?: string; stderr?: string }) => ({ ok: false, out: `${e.stdout ?? ''}${e.stderr ?? ''}` }),
  );
  return { ok: result.ok, complaints: result.out.split('\n').filter((l) => l.includes('mtshield.service')) };
}

describe('contrib/systemd/mtshield.service', () => {
  it.skipIf(!haveVerify)('passes systemd-analyze verify without a warning', async () => {
    expect(UNIT).toContain(`ExecStart=${NODE_IN_UNIT} `);
    expect(await verify(UNIT)).toEqual({ ok: true, complaints: [] });
  });

  it.skipIf(!haveVerify)('verify would catch a misspelt key and a missing executable', async () => {
    const misspelt = await verify(UNIT.replace('ProtectSystem=', 'ProtectSytem='));
    expect(misspelt.complaints.join('\n')).toContain('ProtectSytem');
    const missing = await verify(UNIT.replace(`ExecStart=${NODE_IN_UNIT} `, 'ExecStart=/nonexistent/node '));
    expect(missing.ok).toBe(false);
  });

  it('sandboxes the service and binds :443 with one capability', () => {
    const s = serviceSettings(UNIT);
    const one = (key: string) => s.get(key)?.at(-1);
    expect(one('DynamicUser')).toBe('yes');
    expect(one('StateDirectory')).toBe('mtshield');
    expect(one('ProtectSystem')).toBe('strict');
    expect(one('NoNewPrivileges')).toBe('yes');
    expect(one('CapabilityBoundingSet')).toBe('CAP_NET_BIND_SERVICE');
    expect(one('AmbientCapabilities')).toBe('CAP_NET_BIND_SERVICE');
    // Node's JIT needs writable+executable pages: this setting would stop the service at start.
    expect(s.has('MemoryDenyWriteExecute')).toBe(false);
  });

  it('reloads with SIGHUP and stops with SIGTERM, waiting longer than the drain deadline', () => {
    const s = serviceSettings(UNIT);
    expect(s.get('ExecReload')).toEqual(['/bin/kill -HUP $MAINPID']);
    expect(s.get('KillSignal')).toEqual(['SIGTERM']);
    const stopMs = parseDuration(s.get('TimeoutStopSec')![0]!)!;
    expect(stopMs).toBeGreaterThan(parseDuration(DEFAULTS.server.drainTimeout)!);
  });

  it('LimitNOFILE covers two descriptors per connection at the default connection cap', () => {
    const limit = Number(serviceSettings(UNIT).get('LimitNOFILE')![0]);
    expect(limit).toBeGreaterThanOrEqual(2 * DEFAULTS.server.maxConnections + 1000);
  });
});
