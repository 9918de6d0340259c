// The fronting-profile A/B's figures (bench/proxy/profile-ab-report.ts): every run of each side kept, medians,
// worst runs, the ratio of medians and the worst paired ratio, each profiled run paired with the template run
// of the same round; a side's failed run is NaN, never a zero that would flatter a ratio.
import { describe, expect, it } from 'vitest';
import { profileAbFigures, renderProfileAb } from '../../bench/proxy/profile-ab-report.js';
import type { ProfileSideRun } from '../../bench/proxy/profile-ab.js';
import type { HandshakeResult, ThroughputResult } from '../../bench/proxy/scenarios.js';

function run(side: ProfileSideRun['side'], round: number, perCpuSecond: number | undefined, perGB: number): ProfileSideRun {
  return {
    side,
    run: round,
    answerFlightBytes: side === 'template' ? [1024, 4000] : [2800, 2840],
    handshakes: perCpuSecond === undefined ? undefined : ({ handshakesPerCpuSecond: perCpuSecond } as HandshakeResult),
    throughput: { cpuSecondsPerGB: perGB } as ThroughputResult,
    errors: perCpuSecond === undefined ? ['handshakes: boom'] : [],
  };
}

describe('the fronting-profile A/B figures', () => {
  it('pairs runs by round, keeps every run, and takes the worst ratio in the profiled side’s disfavour', () => {
    const runs = [run('template', 0, 1000, 1.0), run('profiled', 0, 900, 1.2), run('profiled', 1, 1000, 1.0), run('template', 1, 1000, 1.1), run('template', 2, 800, 1.0), run('profiled', 2, 880, 0.9)];
    const [hs, gb] = profileAbFigures(runs);
    expect(hs!.template.runs).toEqual([1000, 1000, 800]);
    expect(hs!.profiled.runs).toEqual([900, 1000, 880]);
    expect(hs!.template.median).toBe(1000);
    expect(hs!.profiled.worst).toBe(880);
    expect(hs!.pairedRatios).toEqual([0.9, 1, 1.1]);
    expect(hs!.worstRatio).toBe(0.9); // higher is better: the lowest ratio
    expect(gb!.worstRatio).toBeCloseTo(1.2); // lower is better: the highest ratio
    const text = renderProfileAb({ site: { flightSizes: [2821] }, runs, figures: [hs!, gb!] });
    expect(text).toMatch(/\| handshakes per CPU-s \| 1000, 1000, 800 \| 900, 1000, 880 \|/);
    expect(text).toMatch(/profiled answers: flight record 2800\.\.2840 bytes over 6 answers/);
  });

  it('a failed run is missing from the medians and its ratio, not counted as zero', () => {
    const [hs] = profileAbFigures([run('template', 0, 1000, 1), run('profiled', 0, undefined, 1), run('template', 1, 900, 1), run('profiled', 1, 900, 1)]);
    expect(hs!.profiled.median).toBe(900);
    expect(hs!.pairedRatios[0]).toBeNaN();
    expect(hs!.worstRatio).toBe(1);
  });
});
