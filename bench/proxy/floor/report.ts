/**
 * The floor subjects' figures (docs/benchmarks.md "Floor subjects"): for each of issue 17's per-connection and
 * per-byte figures, every subject's runs (mtshield, the peer, the floors), their median and worst, and each
 * one's ratio to the peer (of medians, and per round with the worst); for issue 12, the share of an admission
 * that is not the DC dial; and the slow round trips of every subject in the same runs.
 */
import type { SideRun } from '../compare.js';
import { FIGURES } from '../compare-report.js';
import { median, ratio, summarize, worst, type Better, type RunSummary } from '../stats.js';

/** The figures measured for the floors too. */
const FLOOR_FIGURE_IDS = ['admission-cpu-ms', 'admission-warm-cpu-ms', 'rtt-added-p50-us', 'rtt-added-p99-us', 'cpu-per-gb-ee', 'cpu-per-gb-dd', 'mb-per-s-ee', 'mb-per-s-dd'];

export interface PairedRatio {
  /** Median over the peer's median. */
  ratio: number;
  /** Per round, over the peer's run of the same round. */
  paired: number[];
  worst: number;
}

export interface FloorFigure {
  id: string;
  description: string;
  unit: string;
  better: Better;
  /** By subject: mtshield, peer, floor-pipe, floor-crypto, floor-crypto-echo. */
  subjects: Record<string, RunSummary>;
  vsPeer: Record<string, PairedRatio>;
}

export interface FloorShare {
  id: string;
  description: string;
  /** Per round. */
  runs: number[];
  median: number;
  worst: number;
}

export interface OutlierRow {
  side: string;
  run: number;
  samples: number;
  addedP99Us: number;
  thresholdUs: number;
  addedOver: number;
  directOver: number;
  both: number;
}

export interface FloorReport {
  figures: FloorFigure[];
  shares: FloorShare[];
  outliers: OutlierRow[];
}

const directOnly = (runs: readonly SideRun[]) => runs.filter((r) => (r.upstream ?? 'direct') === 'direct');

function paired(ours: readonly SideRun[], theirs: readonly SideRun[], value: (r: SideRun) => number, better: Better): PairedRatio {
  const byRound = ours.map((r) => {
    const other = theirs.find((t) => t.run === r.run);
    return other ? ratio(value(r), value(other)) : Number.NaN;
  });
  return { ratio: ratio(median(ours.map(value).filter((v) => !Number.isNaN(v))), median(theirs.map(value).filter((v) => !Number.isNaN(v)))), paired: byRound, worst: worst(byRound, better) };
}

/** Per round, a / b for two subjects' values of the same round. */
function shareRuns(runs: readonly SideRun[], a: string, b: string, value: (a: SideRun, b: SideRun) => number): number[] {
  return runs.filter((r) => r.side === a).map((r) => {
    const other = runs.find((t) => t.side === b && t.run === r.run);
    return other ? value(r, other) : Number.NaN;
  });
}

export function floorReport(allRuns: readonly SideRun[]): FloorReport {
  const runs = directOnly(allRuns);
  const sides = [...new Set(runs.map((r) => r.side))];
  const figures = FIGURES.filter((f) => FLOOR_FIGURE_IDS.includes(f.id)).map((f): FloorFigure => {
    const value = (r: SideRun) => f.get(r) ?? Number.NaN;
    const subjects: Record<string, RunSummary> = {};
    const vsPeer: Record<string, PairedRatio> = {};
    const peer = runs.filter((r) => r.side === 'peer');
    for (const side of sides) {
      const mine = runs.filter((r) => r.side === side).sort((x, y) => x.run - y.run);
      const summary = summarize(mine.map(value), f.better);
      if (summary.runs.every((v) => Number.isNaN(v))) continue;
      subjects[side] = summary;
      if (side !== 'peer' && peer.length > 0) vsPeer[side] = paired(mine, peer, value, f.better);
    }
    return { id: f.id, description: f.description, unit: f.unit, better: f.better, subjects, vsPeer };
  });
  const shares: FloorShare[] = [];
  const share = (id: string, description: string, values: number[]) => {
    const kept = values.filter((v) => !Number.isNaN(v));
    if (kept.length > 0) shares.push({ id, description, runs: values, median: median(kept), worst: Math.max(...kept) });
  };
  for (const [key, warm] of [['admission', false], ['admission-warm', true]] as const) {
    const cost = (r: SideRun) => (warm ? r.admissionWarm : r.admission)?.cpuMsPerClient ?? Number.NaN;
    const label = warm ? ', warm' : ', cold';
    share(`${key}-floor-no-dial-share`, `crypto floor without its DC dial over the crypto floor${label}`, shareRuns(runs, 'floor-crypto-echo', 'floor-crypto', (a, b) => cost(a) / cost(b)));
    // mtshield's admission with the floor's dial cost (crypto − crypto-echo, same round) taken out, over the whole:
    // the middle/direct ratio mtshield would reach if middle mode saved exactly what the plain dial costs.
    share(
      `${key}-mtshield-common-share`,
      `mtshield's direct admission minus the floor's dial cost, over mtshield's direct admission${label}`,
      shareRuns(runs, 'mtshield', 'floor-crypto', (m, c) => {
        const echo = runs.find((t) => t.side === 'floor-crypto-echo' && t.run === m.run);
        return echo ? (cost(m) - (cost(c) - cost(echo))) / cost(m) : Number.NaN;
      }),
    );
  }
  const outliers = runs.flatMap((r): OutlierRow[] => {
    const o = r.latency?.outliers;
    return r.latency && o ? [{ side: r.side, run: r.run, samples: r.latency.samples, addedP99Us: r.latency.addedP99Us, ...o }] : [];
  });
  return { figures, shares, outliers };
}

export function renderFloorTable(report: FloorReport): string {
  const lines = ['', 'Floor subjects (same runs; ratio to the peer: of medians, worst round in brackets)'];
  for (const f of report.figures) {
    lines.push(`  ${f.description} (${f.unit}):`);
    for (const [side, s] of Object.entries(f.subjects)) {
      const r = f.vsPeer[side];
      const vs = r ? `  ${fmt(r.ratio)}x the peer [worst ${fmt(r.worst)}x]` : '';
      lines.push(`    ${side.padEnd(18)} median ${fmt(s.median).padStart(7)}  worst ${fmt(s.worst).padStart(7)}  runs ${s.runs.map(fmt).join(' ')}${vs}`);
    }
  }
  for (const s of report.shares) lines.push(`  ${s.description}: median ${fmt(s.median)}, worst ${fmt(s.worst)}, runs ${s.runs.map(fmt).join(' ')}`);
  if (report.outliers.length > 0) {
    lines.push(`  round trips over ${report.outliers[0]!.thresholdUs} µs slower than direct (added) / direct over its p50 + ${report.outliers[0]!.thresholdUs} µs / both, per run:`);
    for (const o of report.outliers) lines.push(`    run ${o.run + 1} ${o.side.padEnd(18)} ${o.addedOver}/${o.directOver}/${o.both} of ${o.samples}  (added p99 ${fmt(o.addedP99Us)} µs)`);
  }
  return lines.join('\n') + '\n';
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : x.toFixed(2);
}
