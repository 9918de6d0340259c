/**
 * The operator commands of the admin plane through the real CLI (commander program; a child process for the
 * first run of each command, in-process for the variations to keep the file fast):
 * `mtshield audit verify FILE` (exit 0 intact, 1 naming the first bad line) and `mtshield token create`
 * (output parses as TOML; the printed token hashes to the printed sha256).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../../src/cli/index.js';
import { entryHash, GENESIS } from '../../src/security/audit/chain.js';

const root = join(import.meta.dirname, '..', '..');

function mtshield(...args: string[]) {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '-e', "import('./src/cli/index.ts').then((m) => m.main(['node', 'mtshield', ...process.argv.slice(1)]))", ...args],
    { cwd: root, encoding: 'utf8', timeout: 20_000 },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The same program in this process: stdout and console.error captured, process.exitCode read and reset. */
async function inProcess(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  const error = vi.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => {
    err.push(parts.join(' '));
  });
  process.exitCode = undefined;
  try {
    await buildProgram().exitOverride().parseAsync(['node', 'mtshield', ...args]);
    return { code: Number(process.exitCode ?? 0), stdout: out.join(''), stderr: err.join('\n') };
  } finally {
    process.exitCode = undefined;
    write.mockRestore();
    error.mockRestore();
  }
}

let dir: string;
let intact: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mtshield-admin-cli-'));
  intact = join(dir, 'audit.jsonl');
  // A chain written to the spec of src/security/audit/chain.ts (seq, prev, hash over the canonical entry).
  let prev = GENESIS;
  const lines: string[] = [];
  for (let seq = 1; seq <= 5; seq++) {
    const entry = { seq, at: new Date(Date.UTC(2026, 0, 1, 0, seq)).toISOString(), type: 'admin.block.added', actor: 'token:ops', ip: `203.0.113.${seq}`, prev };
    prev = entryHash(entry);
    lines.push(JSON.stringify({ ...entry, hash: prev }));
  }
  writeFileSync(intact, lines.join('\n') + '\n');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mtshield audit verify', () => {
  it('exits 0 on an intact chain', () => {
    const run = mtshield('audit', 'verify', intact);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/intact, 5 lines/);
  });

  it('exits 1 naming the first bad line of an edited file', async () => {
    const lines = readFileSync(intact, 'utf8').split('\n');
    lines[2] = lines[2]!.replace('203.0.113.3', '203.0.113.99');
    const tampered = join(dir, 'edited.jsonl');
    writeFileSync(tampered, lines.join('\n'));
    const run = await inProcess('audit', 'verify', tampered);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/broken at line 3\b/);
  });

  it('exits 1 on a deleted line and on reordered lines', async () => {
    const lines = readFileSync(intact, 'utf8').split('\n').filter(Boolean);
    const deleted = join(dir, 'deleted.jsonl');
    writeFileSync(deleted, [...lines.slice(0, 1), ...lines.slice(2)].join('\n') + '\n');
    expect(await inProcess('audit', 'verify', deleted)).toMatchObject({ code: 1, stdout: expect.stringMatching(/line 2\b/) });
    const reordered = join(dir, 'reordered.jsonl');
    writeFileSync(reordered, [lines[0], lines[2], lines[1], lines[3], lines[4]].join('\n') + '\n');
    expect(await inProcess('audit', 'verify', reordered)).toMatchObject({ code: 1, stdout: expect.stringMatching(/line 2\b/) });
  });

  it('exits 2 when the file cannot be read', async () => {
    const run = await inProcess('audit', 'verify', join(dir, 'missing.jsonl'));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/cannot read/);
  });
});

describe('mtshield token create', () => {
  it('prints valid TOML whose sha256 is the hash of the printed token', () => {
    const run = mtshield('token', 'create', '--level', 'admin', '--expires', '30d', '--name', 'ops');
    expect(run.code).toBe(0);
    const parsed = parseToml(run.stdout) as { admin: { tokens: { name: string; level: string; sha256: string; expires: string }[] } };
    const [entry] = parsed.admin.tokens;
    expect(entry).toMatchObject({ name: 'ops', level: 'admin' });
    const token = /^# token: (\S+)$/m.exec(run.stdout)![1]!;
    expect(token.length).toBeGreaterThanOrEqual(40);
    expect(entry!.sha256).toBe(createHash('sha256').update(token, 'utf8').digest('hex'));
    expect(Date.parse(entry!.expires) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    expect(run.stdout.split(token).length).toBe(2); // shown exactly once
  });

  it('refuses an unknown level and a past expiry', async () => {
    expect((await inProcess('token', 'create', '--level', 'god')).code).toBe(2);
    expect((await inProcess('token', 'create', '--level', 'admin', '--expires', '2001-01-01T00:00:00Z')).code).toBe(2);
  });
});

describe('mtshield audit', () => {
  it('prints the audit_security() report with the admin findings; --fail-on high exits 1', async () => {
    const file = join(dir, 'mtshield.toml');
    writeFileSync(
      file,
      [
        '[server]',
        `state_dir = ${JSON.stringify(join(dir, 'state'))}`,
        '[users.alice]',
        `secret = "dd${'ab'.repeat(16)}"`,
        '[admin]',
        'listen = "0.0.0.0:9100"',
        'allow_insecure_remote = true',
        '',
      ].join('\n'),
    );
    const text = mtshield('audit', '--config', file);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/\[HIGH\] admin\.allow_insecure_remote/);
    const json = await inProcess('audit', '--config', file, '--json', '--fail-on', 'high');
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout);
    expect(report.findings).toContainEqual(expect.objectContaining({ check: 'admin.allow_insecure_remote', severity: 'high' }));
    expect(report.counts.high).toBeGreaterThanOrEqual(1);
  });
});

