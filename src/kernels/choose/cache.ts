/**
 * On-disk calibration cache: one JSON file, `kernels-calibration.json`, in the cache dir (option `cacheDir`,
 * else $MTSHIELD_CACHE_DIR, else ~/.cache/mtshield). Entries are keyed by SHA-256 of CPU model, Node version
 * and the SHA-256 of each kernel build, so a new CPU, Node or build recalibrates. Failures to read or write
 * are not errors: the registry then calibrates (or uses the prior) and carries on.
 *
 * A calibration taken under load (Calibration.noise above NOISY_CALIBRATION) is measured again at the next start
 * and the quieter of the two is kept, so a busy first start cannot fix a wrong choice for good.
 *
 *   { "version": 1, "entries": { "<key>": { "at": "<iso>", "calibration": Calibration } } }
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { NOISY_CALIBRATION, type Calibration } from './calibrate.js';

const FILE = 'kernels-calibration.json';
const FORMAT = 2; // 2: calibrations carry `noise` (format 1 caches are measured again)
const MAX_ENTRIES = 16;

interface CacheFile {
  version: number;
  entries: Record<string, { at: string; calibration: Calibration }>;
}

export function defaultCacheDir(): string {
  return process.env['MTSHIELD_CACHE_DIR'] || join(homedir(), '.cache', 'mtshield');
}

export function cacheKey(parts: { cpuModel: string; node: string; builds: string[] }): string {
  return createHash('sha256')
    .update(JSON.stringify({ format: FORMAT, cpu: parts.cpuModel, node: parts.node, builds: parts.builds }))
    .digest('hex');
}

export function cacheFile(dir: string): string {
  return join(dir, FILE);
}

function readFile(dir: string): CacheFile {
  try {
    const parsed = JSON.parse(readFileSync(cacheFile(dir), 'utf8')) as CacheFile;
    if (parsed && parsed.version === FORMAT && typeof parsed.entries === 'object') return parsed;
  } catch {
    // missing or unreadable: start afresh
  }
  return { version: FORMAT, entries: {} };
}

export function readCalibration(dir: string, key: string): Calibration | undefined {
  const entry = readFile(dir).entries[key];
  const c = entry?.calibration;
  if (!c || typeof c !== 'object' || typeof c.costs !== 'object' || typeof c.nativeCtrSwitchNs !== 'number') return undefined;
  return c;
}

export function writeCalibration(dir: string, key: string, calibration: Calibration): boolean {
  try {
    mkdirSync(dir, { recursive: true });
    const file = readFile(dir);
    file.entries[key] = { at: new Date().toISOString(), calibration };
    const keys = Object.keys(file.entries);
    for (const old of keys.slice(0, Math.max(0, keys.length - MAX_ENTRIES))) delete file.entries[old];
    const tmp = `${cacheFile(dir)}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(file, null, 2));
    renameSync(tmp, cacheFile(dir));
    return true;
  } catch {
    return false;
  }
}

/** True when a cached calibration should be measured again (taken under load, or before noise was recorded). */
export function needsRemeasure(cached: Calibration): boolean {
  return cached.noise === undefined || cached.noise > NOISY_CALIBRATION;
}

/**
 * Of a cached and a fresh calibration, the quieter one (lower noise; a cache without a noise figure loses).
 * Not a merge point by point: rows are partly extrapolated from the prior where time ran out, and the lower of
 * an estimate and a measurement can be a figure nothing measured (it once made WASM the choice for XChaCha at
 * 64 KiB, at 55 % of native).
 */
export function quieterCalibration(cached: Calibration, fresh: Calibration): Calibration {
  return (fresh.noise ?? Infinity) < (cached.noise ?? Infinity) ? fresh : cached;
}
