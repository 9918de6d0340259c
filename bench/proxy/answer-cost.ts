/**
 * The per-handshake CPU of building the answer, in this process (the fronting-profile A/B's close-up,
 * docs/benchmarks.md "Fronting-profile A/B"): the template ServerHello, the template at the site's flight size,
 * and the profiled one (planAnswer's draw of suite, size and delay, then the ServerHello with the site's
 * extension order and flight size), in blocks of rotating order, CPU time from process.cpuUsage. The key share is a fixed one, as the proxy takes its
 * keys ready-made from a pool.
 */
import { randomBytes } from 'node:crypto';
import { planAnswer } from '../../src/fronting/answer.js';
import type { SiteProfile } from '../../src/fronting/profile.js';
import { buildClientHello } from '../../src/protocol/faketls-client.js';
import { buildServerHello } from '../../src/protocol/faketls-server.js';
import { verifyClientHello } from '../../src/protocol/faketls-verify.js';
import { ja4Parts } from '../../src/protocol/ja4.js';
import { summarize, type RunSummary } from './stats.js';

export interface AnswerCost {
  blocks: number;
  perBlock: number;
  /** µs of CPU per answer, per block. */
  templateMicros: RunSummary;
  profiledMicros: RunSummary;
  /** The template ServerHello with the profiled flight's size (the site's first sample): what is left is the profile's own work. */
  templateAtSiteSizeMicros: RunSummary;
  /** planAnswer alone (the draw), µs per answer. */
  planMicros: RunSummary;
}

export function measureAnswerCost(profile: SiteProfile, domain: string, blocks = 7, perBlock = 4000): AnswerCost {
  const key = new Uint8Array(randomBytes(16));
  const hello = buildClientHello(key, domain, Date.now());
  const verdict = verifyClientHello(hello.record, [{ user: 'u', key, domain }], Date.now());
  if (!verdict.ok) throw new Error(`the benchmark's own hello did not verify: ${verdict.reason}`);
  const { random, sessionId, cipherSuites } = verdict.fields;
  const groups = ja4Parts(hello.record).keyShareGroups;
  const keyShare = new Uint8Array(randomBytes(32));
  const cpuMicros = (run: () => void): number => {
    const start = process.cpuUsage();
    for (let i = 0; i < perBlock; i++) run();
    const used = process.cpuUsage(start);
    return (used.user + used.system) / perBlock;
  };
  // As src/proxy/handshake-tls.ts builds it: a plan object per hello, spread with the pooled key share.
  const template = () => void buildServerHello(key, random, sessionId, { ...{ cipherSuite: verdict.cipherSuite, delayMs: 0 }, keyShare });
  const profiled = () => void buildServerHello(key, random, sessionId, { ...planAnswer(profile, cipherSuites, groups), keyShare });
  const siteSize = profile.flightSizes[0] ?? 2048;
  const sameSize = () => void buildServerHello(key, random, sessionId, { ...{ cipherSuite: verdict.cipherSuite, delayMs: 0 }, keyShare, appDataLength: siteSize });
  const plan = () => void planAnswer(profile, cipherSuites, groups);
  cpuMicros(template); // warm-up: both paths optimised before the first timed block
  cpuMicros(profiled);
  // Each block runs the three in a rotated order, so each takes each position equally often: the first of a
  // block runs on a freshly collected young generation and is faster (3 KB allocated per answer).
  const variants = [template, sameSize, profiled];
  const times: number[][] = [[], [], []];
  const d: number[] = [];
  for (let b = 0; b < blocks; b++) {
    for (let k = 0; k < variants.length; k++) {
      const v = (b + k) % variants.length;
      times[v]!.push(cpuMicros(variants[v]!));
    }
    d.push(cpuMicros(plan));
  }
  const [t, s, p] = times as [number[], number[], number[]];
  return { blocks, perBlock, templateMicros: summarize(t), profiledMicros: summarize(p), templateAtSiteSizeMicros: summarize(s), planMicros: summarize(d) };
}
