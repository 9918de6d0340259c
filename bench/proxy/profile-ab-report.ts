/**
 * The fronting-profile A/B's figures and table (docs/benchmarks.md "Fronting-profile A/B"): per figure every
 * run of each side with its median and worst, the ratio of the medians (profiled / template) and the worst of
 * the per-run ratios (each profiled run paired with the template run of the same round).
 */
import type { AnswerCost } from './answer-cost.js';
import type { ProfileSide, ProfileSideRun } from './profile-ab.js';
import { ratio, summarize, type Better, type RunSummary } from './stats.js';

export interface ProfileAbFigure {
  name: 'handshakes per CPU-s' | 'CPU-s per GB';
  better: Better;
  template: RunSummary;
  profiled: RunSummary;
  /** profiled median / template median. */
  ratio: number;
  /** profiled / template per run. */
  pairedRatios: number[];
  /** The per-run ratio least favourable to the profiled side. */
  worstRatio: number;
}

const FIGURES: { name: ProfileAbFigure['name']; better: Better; of: (r: ProfileSideRun) => number | undefined }[] = [
  { name: 'handshakes per CPU-s', better: 'higher', of: (r) => r.handshakes?.handshakesPerCpuSecond },
  { name: 'CPU-s per GB', better: 'lower', of: (r) => r.throughput?.cpuSecondsPerGB },
];

export function profileAbFigures(runs: readonly ProfileSideRun[]): ProfileAbFigure[] {
  const rounds = [...new Set(runs.map((r) => r.run))].sort((a, b) => a - b);
  const valueOf = (side: ProfileSide, round: number, of: (r: ProfileSideRun) => number | undefined) =>
    of(runs.find((r) => r.side === side && r.run === round) ?? ({} as ProfileSideRun)) ?? Number.NaN;
  return FIGURES.map(({ name, better, of }) => {
    const template = rounds.map((round) => valueOf('template', round, of));
    const profiled = rounds.map((round) => valueOf('profiled', round, of));
    const pairedRatios = rounds.map((_, i) => ratio(profiled[i]!, template[i]!));
    const finite = pairedRatios.filter(Number.isFinite);
    const t = summarize(template, better);
    const p = summarize(profiled, better);
    return {
      name,
      better,
      template: t,
      profiled: p,
      ratio: ratio(p.median, t.median),
      pairedRatios,
      worstRatio: finite.length === 0 ? Number.NaN : better === 'higher' ? Math.min(...finite) : Math.max(...finite),
    };
  });
}

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

/** The table `mtshield bench --proxy --scenarios profile` prints. */
export function renderProfileAb(report: { site: { flightSizes: number[] }; runs: ProfileSideRun[]; figures: ProfileAbFigure[]; answerCost?: AnswerCost }): string {
  const lines = [
    `fronting-profile A/B: template answer vs the site's profile (site flight ${report.site.flightSizes.join(', ')} bytes)`,
    '| figure | template runs | profiled runs | template median / worst | profiled median / worst | ratio (medians) | worst paired ratio |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const f of report.figures) {
    const digits = f.better === 'higher' ? 0 : 3;
    lines.push(
      `| ${f.name} | ${f.template.runs.map((v) => fmt(v, digits)).join(', ')} | ${f.profiled.runs.map((v) => fmt(v, digits)).join(', ')} | ` +
        `${fmt(f.template.median, digits)} / ${fmt(f.template.worst, digits)} | ${fmt(f.profiled.median, digits)} / ${fmt(f.profiled.worst, digits)} | ` +
        `${fmt(f.ratio, 3)} | ${fmt(f.worstRatio, 3)} |`,
    );
  }
  for (const side of ['template', 'profiled'] as const) {
    const sizes = report.runs.filter((r) => r.side === side).flatMap((r) => r.answerFlightBytes);
    if (sizes.length > 0) lines.push(`${side} answers: flight record ${Math.min(...sizes)}..${Math.max(...sizes)} bytes over ${sizes.length} answers`);
  }
  const cost = report.answerCost;
  if (cost) {
    const us = (r: RunSummary) => `${fmt(r.median)} µs (worst ${fmt(r.worst)})`;
    lines.push(
      `answer alone, CPU per handshake (${cost.blocks} alternating blocks of ${cost.perBlock}): template ${us(cost.templateMicros)}, ` +
        `template at the site's size ${us(cost.templateAtSiteSizeMicros)}, profiled ${us(cost.profiledMicros)}, planAnswer alone ${us(cost.planMicros)}`,
    );
  }
  for (const r of report.runs) for (const e of r.errors) lines.push(`error (${r.side}, run ${r.run + 1}): ${e.split('\n')[0]}`);
  return lines.join('\n');
}
