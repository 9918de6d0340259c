/**
 * The run-time overlay (src/state/overlay*.ts): the precedence of run-time changes over the config's users,
 * rotated-out secrets that end with their grace period, the state file (0600, atomic, refused when corrupt).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileOverlayPersistence, OVERLAY_FILE, RuntimeOverlay } from '../../src/state/index.js';

const config = [
  { name: 'alice', secret: 'a'.repeat(32), maxConnections: 5, level: 'standard' as const },
  { name: 'carol', secret: 'c'.repeat(32), level: 'standard' as const },
];
let dir: string;
let now: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mtshield-overlay-'));
  now = 1_000_000;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const open = () => RuntimeOverlay.open(new FileOverlayPersistence(dir), { now: () => now });

describe('RuntimeOverlay users', () => {
  it('lays API changes, rotations and deletes over the config, and says where each user comes from', async () => {
    const overlay = await open();
    overlay.recordUser({ kind: 'rotate', name: 'alice', secret: 'b'.repeat(32), retired: { secret: 'a'.repeat(32), until: now + 1000 } });
    overlay.recordUser({ kind: 'remove', name: 'carol' });
    overlay.recordUser({ kind: 'upsert', spec: { name: 'bob', secret: 'd'.repeat(32) } });
    await overlay.flush();

    const merged = (await open()).mergeUsers(config);
    expect(merged.users).toEqual([
      { name: 'alice', secret: 'b'.repeat(32), maxConnections: 5, level: 'standard', source: 'config+api' },
      { name: 'bob', secret: 'd'.repeat(32), level: 'standard', source: 'api' },
    ]);
    expect(merged.retired).toEqual([{ name: 'alice', secret: 'a'.repeat(32), until: now + 1000 }]);
  });

  it('drops a rotated-out secret once its grace period is over, and never keeps one rotated with no grace', async () => {
    const overlay = await open();
    overlay.recordUser({ kind: 'rotate', name: 'alice', secret: 'b'.repeat(32), retired: { secret: 'a'.repeat(32), until: now + 1000 } });
    overlay.recordUser({ kind: 'rotate', name: 'carol', secret: 'e'.repeat(32) });
    now += 1000;
    expect(overlay.mergeUsers(config).retired).toEqual([]);
    // The config's own secret for alice and carol does not come back either.
    expect(overlay.mergeUsers(config).users.map((u) => u.secret)).toEqual(['b'.repeat(32), 'e'.repeat(32)]);
  });

  it('an API add after a delete brings the user back, with the API settings over the config', async () => {
    const overlay = await open();
    overlay.recordUser({ kind: 'remove', name: 'alice' });
    overlay.recordUser({ kind: 'upsert', spec: { name: 'alice', secret: 'f'.repeat(32), maxConnections: 1 } });
    expect(overlay.mergeUsers(config).users[0]).toEqual({ name: 'alice', secret: 'f'.repeat(32), maxConnections: 1, level: 'standard', source: 'config+api' });
  });
});

describe('the overlay file', () => {
  it('is written with mode 0600 and leaves no temporary file behind; the last change lands last', async () => {
    const overlay = await open();
    for (let i = 0; i < 20; i++) overlay.setBlocks([{ cidr: `192.0.2.${i}/32` }]);
    await overlay.flush();
    const file = join(dir, OVERLAY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual([OVERLAY_FILE]);
    expect(JSON.parse(readFileSync(file, 'utf8')).blocks).toEqual([{ cidr: '192.0.2.19/32' }]);
  });

  it('a corrupt file is a typed error at start, not a silent reset that would bring old keys back', async () => {
    writeFileSync(join(dir, OVERLAY_FILE), '{"version":1,"users":');
    await expect(open()).rejects.toMatchObject({ code: 'ERR_STATE_OVERLAY' });
    writeFileSync(join(dir, OVERLAY_FILE), '{"version":7}');
    await expect(open()).rejects.toMatchObject({ code: 'ERR_STATE_OVERLAY' });
  });
});
