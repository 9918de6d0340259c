/**
 * contrib/grafana/mtshield.json queries only metrics that mtshield exports: the proxy is started (the CLI, on
 * loopback with the admin plane on a free port), /metrics is scraped, and every metric name in the dashboard's
 * PromQL expressions must be a family in the scrape. prom-client prints `# HELP` / `# TYPE` for every registered
 * family even before its first sample, so labelled counters that only count after an event are listed too; a
 * histogram family `X` is queried as `X_bucket`, `X_sum` or `X_count`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliProcess } from '../helpers/cli.js';
import { packagePath } from '../../src/util/paths.js';
import { writeLoopbackConfig } from './loopback-config.js';

const SECRET = 'ee' + '5a'.repeat(16) + Buffer.from('example.org').toString('hex');

interface Panel {
  title?: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}

/** Every PromQL expression in the dashboard, with its panel title. */
function dashboardExprs(): { panel: string; expr: string }[] {
  const dashboard = JSON.parse(readFileSync(packagePath('contrib', 'grafana', 'mtshield.json'), 'utf8')) as { panels: Panel[] };
  const out: { panel: string; expr: string }[] = [];
  const visit = (panels: Panel[]) => {
    for (const p of panels) {
      for (const t of p.targets ?? []) if (t.expr) out.push({ panel: p.title ?? '?', expr: t.expr });
      visit(p.panels ?? []);
    }
  };
  visit(dashboard.panels);
  return out;
}

/** Metric names a query selects: every mtshield_ identifier (the exporter's prefix; docs/admin-api.md). */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\bmtshield_[a-zA-Z0-9_]+/g)].map((m) => m[0]);
}

/** The series names the scrape offers: each family, plus _bucket/_sum/_count for histograms and summaries. */
function scrapedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = m as unknown as [string, string, string];
    names.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(name + s);
  }
  return names;
}

let dir: string;
let proxy: CliProcess | undefined;
let scrape = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mtshield-dashboard-'));
  const config = await writeLoopbackConfig(dir, 'alice', SECRET);
  proxy = runCli(['run', '--config', config.file], dir);
  await proxy.waitForLog((l) => l['msg'] === 'ready', 30_000);
  const res = await fetch(`http://127.0.0.1:${config.adminPort}/metrics`);
  expect(res.status).toBe(200);
  scrape = await res.text();
}, 60_000);

afterAll(async () => {
  if (proxy) {
    proxy.child.kill('SIGTERM');
    await proxy.exited(15_000).catch(() => proxy!.stop());
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('the Grafana dashboard', () => {
  it('has a query for each thing operators watch', () => {
    const all = dashboardExprs().flatMap((e) => metricNames(e.expr));
    for (const family of [
      'mtshield_connections_active',
      'mtshield_traffic_bytes_total',
      'mtshield_handshakes_total',
      'mtshield_connections_blocked_total',
      'mtshield_user_refusals_total',
      'mtshield_replays_detected_total',
      'mtshield_active_threats',
      'mtshield_blocks_added_total',
      'mtshield_kernel_info',
    ]) {
      expect(all, family).toContain(family);
    }
  });

  it('queries only metric names that /metrics exports', () => {
    const exported = scrapedNames(scrape);
    expect(exported.size, 'families in the scrape').toBeGreaterThan(20);
    const unknown: string[] = [];
    for (const { panel, expr } of dashboardExprs()) {
      const names = metricNames(expr);
      if (names.length === 0) unknown.push(`${panel}: no mtshield_ metric in ${expr}`);
      for (const name of names) if (!exported.has(name)) unknown.push(`${panel}: ${name}`);
    }
    expect(unknown).toEqual([]);
  });

  it('the check catches a name that does not exist', () => {
    const exported = scrapedNames(scrape);
    expect(metricNames('sum(rate(mtshield_handshake_total[5m]))').every((n) => exported.has(n))).toBe(false);
    expect(exported.has('mtshield_handshake_duration_seconds_bucket')).toBe(true);
  });
});
