/**
 * The plain-text table printed at the end of a run: per algorithm and operation, one row per size, one
 * column per backend with MB/s and its ratio to native from the same run; then every target as a PASS,
 * FAIL or N/A line, and any backend refused by verification.
 */
import { formatSize } from '../cipher/catalog.js';
import type { CaseResult } from '../cipher/results.js';
import type { TargetResult } from '../cipher/targets.js';

export function renderTable(results: CaseResult[], targets: TargetResult[]): string {
  const lines: string[] = [];
  const groups = [...new Set(results.map((r) => `${r.algorithm} ${r.operation}`))];
  for (const group of groups) {
    const rows = results.filter((r) => `${r.algorithm} ${r.operation}` === group);
    const backends = [...new Set(rows.map((r) => r.backend))];
    const sizes = [...new Set(rows.map((r) => r.size))].sort((a, b) => a - b);
    const hasNative = rows.some((r) => r.backend === 'native' && r.status === 'measured');
    lines.push('', `${group}   MB/s${hasNative ? ' (x native)' : ''}   ±rme`);
    const table: string[][] = [['size', ...backends.map((b) => (b === 'auto' ? 'auto [chosen]' : b))]];
    for (const size of sizes) {
      table.push([
        formatSize(size),
        ...backends.map((backend) => cell(rows.find((r) => r.backend === backend && r.size === size))),
      ]);
    }
    lines.push(...align(table));
  }
  const refused = results.filter((r) => r.status !== 'measured');
  const reasons = new Map<string, string>();
  for (const r of refused) reasons.set(`${r.algorithm} ${r.backend}: ${r.status}`, r.reason ?? '');
  if (reasons.size > 0) {
    lines.push('', 'Not timed:');
    for (const [what, why] of reasons) lines.push(`  ${what}${why ? ` — ${why}` : ''}`);
  }
  if (targets.length > 0) {
    lines.push('', 'Targets:');
    for (const t of targets) lines.push(`  ${t.status.padEnd(4)} ${t.description}: ${t.detail}`);
  }
  return lines.join('\n') + '\n';
}

function cell(r: CaseResult | undefined): string {
  if (!r) return '-';
  if (r.status !== 'measured') return r.status;
  const mbps = r.mbPerSec! >= 100 ? r.mbPerSec!.toFixed(0) : r.mbPerSec!.toFixed(1);
  const ratio = r.ratioToNative !== undefined && r.backend !== 'native' ? ` (${r.ratioToNative.toFixed(2)}x)` : '';
  const chosen = r.chosen ? ` [${r.chosen}]` : '';
  return `${mbps}${ratio} ±${r.rme!.toFixed(0)}%${chosen}`;
}

function align(table: string[][]): string[] {
  const widths = table[0]!.map((_, col) => Math.max(...table.map((row) => row[col]!.length)));
  return table.map((row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
}
