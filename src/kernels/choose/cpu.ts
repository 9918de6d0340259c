/**
 * CPU features seen by the process: /proc/cpuinfo "model name" and "flags" on Linux (os.cpus() elsewhere).
 * Only reported (and used in the calibration cache key); kernel choice itself comes from measurements.
 */
import { readFileSync } from 'node:fs';
import { arch, cpus } from 'node:os';
import type { CpuInfo } from '../types.js';

const INTERESTING = ['aes', 'pclmulqdq', 'vaes', 'vpclmulqdq', 'avx', 'avx2', 'avx512f', 'avx512bw', 'avx512vl', 'sse4_1', 'ssse3', 'sha_ni', 'asimd', 'pmull'];

let cached: CpuInfo | undefined;

export function cpuInfo(): CpuInfo {
  if (cached) return cached;
  let model = cpus()[0]?.model ?? 'unknown';
  let flags: string[] = [];
  try {
    const text = readFileSync('/proc/cpuinfo', 'utf8');
    const modelLine = /^model name\s*:\s*(.+)$/m.exec(text);
    if (modelLine) model = modelLine[1]!.trim();
    const flagLine = /^(?:flags|Features)\s*:\s*(.+)$/m.exec(text);
    if (flagLine) flags = flagLine[1]!.trim().split(/\s+/).sort();
  } catch {
    // not Linux: model from os.cpus(), no flags
  }
  const set = new Set(flags);
  const features: Record<string, boolean> = {};
  for (const f of INTERESTING) features[f] = set.has(f);
  features['avx512'] = flags.some((f) => f.startsWith('avx512'));
  cached = { model, flags, features, cores: cpus().length, arch: arch() };
  return cached;
}
