/**
 * `mtshield audit verify FILE [--key-file <state_dir>/audit.key] [--expect-head SEQ:HASH] [--json]`: checks the
 * hash chain of an audit log (src/security/audit/chain.ts); a keyed chain needs its key. Exit 0 when intact; 1 naming the first bad line when not; 2 when the file
 * cannot be read.
 * `mtshield audit [--config FILE] [--json] [--fail-on SEVERITY]`: runs audit_security() over the config (plus the
 * admin plane's own findings) and prints the report; exit 0, or 1 with --fail-on when a finding reaches it.
 */
import type { Command } from 'commander';
import { readAuditKey, verifyAuditFile } from '../../security/audit/verify.js';
import { runAuditReport } from './audit-report.js';

function parseHead(text: string): { seq: number; hash: string } {
  const match = /^(\d+):([0-9a-f]{64})$/i.exec(text);
  if (!match) throw new Error(`--expect-head: expected "SEQ:HASH" (hash is 64 hex digits), got "${text}"`);
  return { seq: Number(match[1]), hash: match[2]!.toLowerCase() };
}

async function verify(file: string, options: { expectHead?: string; keyFile?: string; json?: boolean }): Promise<void> {
  let result;
  try {
    const key = options.keyFile ? readAuditKey(options.keyFile) : undefined;
    result = await verifyAuditFile(file, { key, expectHead: options.expectHead ? parseHead(options.expectHead) : undefined });
  } catch (err) {
    console.error(`mtshield audit verify: cannot read ${file}: ${(err as Error).message}`);
    process.exitCode = 2;
    return;
  }
  if (options.json) {
    process.stdout.write(JSON.stringify({ file, ...result }) + '\n');
  } else if (result.ok) {
    process.stdout.write(`${file}: audit chain intact, ${result.lines} lines, head ${result.head.seq}:${result.head.hash}\n`);
  } else {
    process.stdout.write(`${file}: audit chain broken at line ${result.firstBadLine}: ${result.reason}\n`);
  }
  process.exitCode = result.ok ? 0 : 1;
}

export function register(program: Command): void {
  const audit = program
    .command('audit')
    .description('run audit_security() and print the report; `audit verify FILE` checks an audit log chain')
    .option('-c, --config <file>', 'config file (default: built-in defaults)')
    .option('--json', 'print the report as JSON')
    .option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity (info | low | medium | high | critical)')
    .action(async (options: { config?: string; json?: boolean; failOn?: string }) => {
      process.exitCode = await runAuditReport(options);
    });
  audit
    .command('verify <file>')
    .description('verify the hash chain of an audit log; exit 0 intact, 1 broken (naming the first bad line)')
    .option('--expect-head <seq:hash>', 'a head recorded elsewhere, checked at its seq (catches lines cut or rewritten)')
    .option('--key-file <file>', 'the audit key of a keyed chain (<state_dir>/audit.key)')
    .option('--json', 'print the result as JSON')
    .action(verify);
}
