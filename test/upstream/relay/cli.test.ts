/**
 * `mtshield relay key --key-file F` through commander (the command's own register(); the CLI's index registers
 * it): the public key is the last stdout line, one token, the same on every call; an unreadable file exits 2.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { register } from '../../../src/cli/commands/relay.js';

async function run(args: string[]): Promise<string[]> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
  const err = vi.spyOn(console, 'error').mockImplementation(() => {});
  const program = new Command().exitOverride();
  register(program);
  await program.parseAsync(['node', 'mtshield', ...args]);
  log.mockRestore();
  err.mockRestore();
  return lines;
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('mtshield relay key', () => {
  it('prints the same public key token on every call', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'relay-cli-')), 'relay.key');
    const first = await run(['relay', 'key', '--key-file', file]);
    const second = await run(['relay', 'key', '--key-file', file]);
    expect(first.at(-1)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(second.at(-1)).toBe(first.at(-1));
  });

  it('exits 2 on a corrupt key file', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'relay-cli-')), 'relay.key');
    writeFileSync(file, 'garbage');
    expect(await run(['relay', 'key', '--key-file', file])).toEqual([]);
    expect(process.exitCode).toBe(2);
  });
});
