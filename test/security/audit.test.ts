/**
 * The hash-chained audit log: an untouched file verifies; an edited, deleted, truncated or reordered line is
 * caught and named; the chain continues across a restart; secrets never reach the file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/security/audit/log.js';
import { verifyAuditFile } from '../../src/security/audit/verify.js';
import { ManualClock } from '../../src/security/clock.js';

let dir: string;
let file: string;
const clock = new ManualClock();

function writeLog(n: number): string[] {
  const log = new AuditLog(file, clock, 100);
  for (let i = 1; i <= n; i++) {
    clock.advance(1000);
    log.append({ type: 'test.entry', actor: 'token:ops', message: `entry ${i}`, ip: '203.0.113.7', details: { i } });
  }
  log.close();
  return readFileSync(file, 'utf8').split('\n').filter(Boolean);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mtshield-audit-'));
  file = join(dir, 'audit.jsonl');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('audit chain', () => {
  it('an untouched log verifies, with its head', async () => {
    const lines = writeLog(6);
    expect(lines).toHaveLength(6);
    const result = await verifyAuditFile(file);
    expect(result).toMatchObject({ ok: true, lines: 6 });
    expect(result.head.seq).toBe(6);
    expect(result.head.hash).toBe(JSON.parse(lines[5]!).hash);
  });

  it('each line carries prev = the previous hash', () => {
    const lines = writeLog(3).map((l) => JSON.parse(l));
    expect(lines[0].prev).toBe('0'.repeat(64));
    expect(lines[1].prev).toBe(lines[0].hash);
    expect(lines[2].prev).toBe(lines[1].hash);
  });

  it('an edited field is caught on that line', async () => {
    const lines = writeLog(5);
    lines[2] = lines[2]!.replace('203.0.113.7', '203.0.113.8');
    writeFileSync(file, lines.join('\n') + '\n');
    expect(await verifyAuditFile(file)).toMatchObject({ ok: false, firstBadLine: 3 });
  });

  it('an edited line with a recomputed-looking hash field is still caught by the next line', async () => {
    const lines = writeLog(4);
    const entry = JSON.parse(lines[1]!);
    entry.hash = 'f'.repeat(64);
    lines[1] = JSON.stringify(entry);
    writeFileSync(file, lines.join('\n') + '\n');
    const result = await verifyAuditFile(file);
    expect(result.ok).toBe(false);
    expect(result.firstBadLine).toBe(2);
  });

  it('a deleted line is caught on the line after it', async () => {
    const lines = writeLog(5);
    lines.splice(1, 1);
    writeFileSync(file, lines.join('\n') + '\n');
    expect(await verifyAuditFile(file)).toMatchObject({ ok: false, firstBadLine: 2 });
  });

  it('deleting the first line is caught on line 1', async () => {
    const lines = writeLog(3);
    writeFileSync(file, lines.slice(1).join('\n') + '\n');
    expect(await verifyAuditFile(file)).toMatchObject({ ok: false, firstBadLine: 1 });
  });

  it('swapped lines are caught at the first moved one', async () => {
    const lines = writeLog(5);
    [lines[2], lines[3]] = [lines[3]!, lines[2]!];
    writeFileSync(file, lines.join('\n') + '\n');
    expect(await verifyAuditFile(file)).toMatchObject({ ok: false, firstBadLine: 3 });
  });

  it('a line cut short is caught', async () => {
    writeLog(4);
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.slice(0, text.length - 30));
    expect(await verifyAuditFile(file)).toMatchObject({ ok: false, firstBadLine: 4 });
  });

  it('whole lines cut from the end are caught against a recorded head', async () => {
    writeLog(5);
    const head = (await verifyAuditFile(file)).head;
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    writeFileSync(file, lines.slice(0, 3).join('\n') + '\n');
    expect((await verifyAuditFile(file)).ok).toBe(true); // a shorter chain is self-consistent…
    expect(await verifyAuditFile(file, { expectHead: head })).toMatchObject({ ok: false, firstBadLine: 4 }); // …but not the one recorded
  });

  it('the chain continues across a restart and recent() is preloaded', async () => {
    writeLog(3);
    const again = new AuditLog(file, clock, 100);
    expect(again.recent(10).map((e) => e.message)).toEqual(['entry 1', 'entry 2', 'entry 3']);
    again.append({ type: 'after.restart' });
    again.close();
    const result = await verifyAuditFile(file);
    expect(result).toMatchObject({ ok: true, lines: 4 });
  });

  it('secret-looking fields are redacted before hashing and writing', async () => {
    const log = new AuditLog(file, clock, 10);
    log.append({ type: 'admin.user.add', details: { user: 'alice', secret: 'ee0123456789abcdef0123456789abcdef', nested: { token: 'mts_abc' } } });
    log.close();
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('0123456789abcdef');
    expect(text).not.toContain('mts_abc');
    expect(text).toContain('[redacted]');
    expect((await verifyAuditFile(file)).ok).toBe(true);
  });

  it('recent(n) returns the last n entries in order', () => {
    const log = new AuditLog(undefined, clock, 5);
    for (let i = 0; i < 8; i++) log.append({ type: 't', message: String(i) });
    expect(log.recent(3).map((e) => e.message)).toEqual(['5', '6', '7']);
    expect(log.recent(100)).toHaveLength(5);
  });
});
