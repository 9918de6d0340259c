/**
 * Figures and table of the idle-memory A/B (idle-ab.ts): per secret kind, fast mode and side, the growth of each
 * memory figure per connection over the first batch (one-time growth included) and the second (marginal), every
 * run with its median and worst (stats.ts). RSS splits into the V8 heap's resident bytes (by space) and the rest
 * (native: sockets, OpenSSL, malloc arenas, array buffers' backing stores).
 */
import type { IdleAbRun, IdleAbSide } from './idle-ab.js';
import type { MemoryReading } from './memory-probe-client.js';
import { summarize, type RunSummary } from './stats.js';

/** What a figure reads from a memory reading. */
const METRICS: Record<string, (m: MemoryReading) => number> = {
  rss: (m) => m.rss,
  heapUsed: (m) => m.heapUsed,
  heapResident: (m) => heapResident(m),
  newSpace: (m) => m.spaces['new_space']?.physical ?? 0,
  oldSpace: (m) => m.spaces['old_space']?.physical ?? 0,
  oldSpaceUsed: (m) => m.spaces['old_space']?.used ?? 0,
  codeSpace: (m) => (m.spaces['code_space']?.physical ?? 0) + (m.spaces['code_large_object_space']?.physical ?? 0),
  mapSpace: (m) => m.spaces['map_space']?.physical ?? 0,
  largeObjectSpace: (m) => m.spaces['large_object_space']?.physical ?? 0,
  external: (m) => m.external,
  arrayBuffers: (m) => m.arrayBuffers,
  /** RSS outside the V8 heap. */
  native: (m) => m.rss - heapResident(m),
};
export const IDLE_AB_METRICS = Object.keys(METRICS);

function heapResident(m: MemoryReading): number {
  let sum = 0;
  for (const space of Object.values(m.spaces)) sum += space.physical;
  return sum;
}

/**
 * `uncollected`: the readings 2 s after each batch (with the collected protocol, each batch measured from the
 * collected reading before it); `collected`: after a full collection at both ends, what the connections keep.
 */
export type IdleAbPhase = 'uncollected' | 'collected';

export interface IdleAbFigure {
  secret: string;
  fastMode: boolean;
  side: IdleAbSide;
  phase: IdleAbPhase;
  metric: string;
  /** KiB per connection over the first batch and over the second. */
  first: RunSummary;
  second: RunSummary;
}

type Pair = [MemoryReading, MemoryReading] | undefined;

/** The readings that bound each batch, per phase. */
function bounds(r: IdleAbRun, phase: IdleAbPhase): { first: Pair; second: Pair } {
  const b = r.idle?.breakdown;
  const c = r.idle?.collected;
  if (phase === 'collected') return c ? { first: [c.baseline, c.afterFirst], second: [c.afterFirst, c.afterSecond] } : { first: undefined, second: undefined };
  if (!b) return { first: undefined, second: undefined };
  return { first: [c?.baseline ?? b.baseline, b.afterFirst], second: [c?.afterFirst ?? b.afterFirst, b.afterSecond] };
}

export function idleBreakdownFigures(runs: readonly IdleAbRun[]): IdleAbFigure[] {
  const figures: IdleAbFigure[] = [];
  const groups = new Map<string, IdleAbRun[]>();
  for (const r of runs) {
    const key = `${r.secret}|${r.fastMode}|${r.side}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const phases: IdleAbPhase[] = runs.some((r) => r.idle?.collected) ? ['collected', 'uncollected'] : ['uncollected'];
  for (const group of groups.values()) {
    const { secret, fastMode, side } = group[0]!;
    for (const phase of phases)
      for (const [metric, read] of Object.entries(METRICS)) {
        const per = (which: 'first' | 'second') =>
          group.map((r) => {
            const pair = bounds(r, phase)[which];
            const n = r.idle?.connections ?? 0;
            return pair && n > 0 ? (read(pair[1]) - read(pair[0])) / n / 1024 : Number.NaN;
          });
        figures.push({ secret, fastMode, side, phase, metric, first: summarize(per('first')), second: summarize(per('second')) });
      }
  }
  return figures;
}

const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '—');
const runsText = (s: RunSummary) => `${s.runs.map(fmt).join(' ')} (${fmt(s.median)} / ${fmt(s.worst)})`;

/** One line per kind, fast mode and metric: base → this, first batch and second, every run (median / worst). */
export function renderIdleAb(figures: readonly IdleAbFigure[], runs: readonly IdleAbRun[]): string {
  const lines = ['Idle-memory A/B, KiB per connection: every run (median / worst); base → this build', ''];
  lines.push('| secret / fast | readings | figure | first batch, base | first batch, this | second batch, base | second batch, this |');
  lines.push('|---|---|---|---|---|---|---|');
  const find = (f: IdleAbFigure, side: IdleAbSide) =>
    figures.find((g) => g.secret === f.secret && g.fastMode === f.fastMode && g.phase === f.phase && g.metric === f.metric && g.side === side);
  for (const f of figures) {
    if (f.side !== 'this') continue;
    const base = find(f, 'base');
    const cell = (s: RunSummary | undefined) => (s ? runsText(s) : '—');
    lines.push(`| ${f.secret} / ${f.fastMode ? 'on' : 'off'} | ${f.phase} | ${f.metric} | ${cell(base?.first)} | ${cell(f.first)} | ${cell(base?.second)} | ${cell(f.second)} |`);
  }
  const live = runs.filter((r) => r.idle?.breakdown).map((r) => `${r.secret}/${r.fastMode ? 'on' : 'off'}/${r.side}: ${fmt(r.idle!.breakdown!.liveAtEnd.heapUsed / 1048576)}`);
  lines.push('', `Live JS heap at the end (MiB, after a full collection, both batches open): ${live.join(', ')}`);
  const errors = runs.flatMap((r) => r.errors.map((e) => `${r.side} run ${r.run + 1} ${r.secret}/${r.fastMode}: ${e}`));
  if (errors.length > 0) lines.push('', 'Errors:', ...errors);
  return lines.join('\n') + '\n';
}
