/**
 * Attack: someone who can write the audit log (but not read state_dir) edits history. A keyed chain
 * (HMAC-SHA256, key in state_dir/audit.key) cannot be recomputed without the key; a head recorded elsewhere is
 * checked at its own seq; a new file continues the old chain; the file is 0600 (docs/security.md "Audit log").
 */
import { mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { entryHash } from '../../src/security/audit/chain.js';
import { AuditLog } from '../../src/security/audit/log.js';
import { readAuditKey, verifyAuditFile } from '../../src/security/audit/verify.js';
import { ManualClock } from '../../src/security/clock.js';

let dir: string;
let file: string;
let keyed: { keyFile: string; headFile: string };
const clock = new ManualClock();

function write(n: number, from = 1): void {
  const log = new AuditLog(file, clock, 100, keyed);
  for (let i = from; i < from + n; i++) {
    clock.advance(1000);
    log.append({ type: 'block.added', actor: 'token:ops', message: `entry ${i}`, ip: '203.0.113.7' });
  }
  log.close();
}

const lines = () => readFileSync(file, 'utf8').split('\n').filter(Boolean);
const key = () => readAuditKey(keyed.keyFile);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mtshield-attack-audit-'));
  file = join(dir, 'audit.jsonl');
  keyed = { keyFile: join(dir, 'state', 'audit.key'), headFile: join(dir, 'state', 'audit.head') };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('attack: a log writer rewrites the audit chain', () => {
  it('an attacker who edits a line and recomputes every hash cannot pass verification', async () => {
    write(4);
    // Rewrite line 2 and re-chain everything after it, as a writer without the key would (plain SHA-256).
    let prev = '';
    const forged = lines().map((line, i) => {
      const { hash: _hash, mac: _mac, ...rest } = JSON.parse(line) as Record<string, unknown>;
      if (i === 1) rest.message = 'nothing happened';
      if (i > 0) rest.prev = prev;
      prev = entryHash(rest);
      return JSON.stringify({ ...rest, hash: prev });
    });
    writeFileSync(file, forged.join('\n') + '\n');
    const result = await verifyAuditFile(file, { key: key() });
    expect(result.ok).toBe(false);
    expect(result.firstBadLine).toBe(1);
  });

  it('an attacker who cuts the chain back and writes past the recorded head is caught at that seq', async () => {
    write(5);
    const recorded = (await verifyAuditFile(file, { key: key() })).head;
    expect(recorded.seq).toBe(5);
    writeFileSync(file, lines().slice(0, 3).join('\n') + '\n');
    write(4, 100); // the proxy (or the attacker through it) keeps appending past seq 5
    const result = await verifyAuditFile(file, { key: key(), expectHead: recorded });
    expect(lines()).toHaveLength(7); // a longer, self-consistent chain…
    expect(result).toMatchObject({ ok: false, firstBadLine: 5 });
  });

  it('an attacker who moves the file away cannot make the next file start a fresh genesis chain', async () => {
    write(3);
    const old = (await verifyAuditFile(file, { key: key() })).head;
    renameSync(file, `${file}.1`);
    write(2, 10);
    const result = await verifyAuditFile(file, { key: key() });
    expect(result.ok).toBe(true);
    expect(result.start).toEqual(old);
    expect(JSON.parse(lines()[0]!)).toMatchObject({ seq: 4, prev: old.hash, type: 'audit.file_started' });
  });

  it('another local user cannot read the audit file or the key (mode 0600)', () => {
    write(1);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(keyed.keyFile).mode & 0o777).toBe(0o600);
  });
});
