/**
 * Human units as operators write them in the config file, the CLI and the admin API: durations ("250ms",
 * "5s", "2m", "1h", "1d") and sizes ("512", "64KiB", "10MiB", "50GiB", "1TB"). Plain numbers are accepted
 * too: seconds for durations, bytes for sizes. Binary prefixes (KiB, MiB, …) are powers of 1024; decimal
 * ones (KB, MB, …) powers of 1000. The format helpers write the largest unit that divides the value exactly,
 * so a formatted value parses back to the same number.
 */
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** Milliseconds, or undefined when the text is not a duration. */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(value);
  if (!match) return undefined;
  const unit = (match[2] ?? 's').toLowerCase();
  return Math.round(Number(match[1]) * DURATION_UNITS[unit]!);
}

/** Bytes, or undefined when the text is not a size. */
export function parseSize(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b|b)?\s*$/i.exec(value);
  if (!match) return undefined;
  const unit = (match[2] ?? 'b').toLowerCase();
  const bytes = Math.round(Number(match[1]) * SIZE_UNITS[unit]!);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** Milliseconds → "1h", "90s", "250ms" (the largest unit that divides exactly). */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const size = DURATION_UNITS[unit]!;
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** Bytes → "64KiB", "10MiB", "1000" (binary units that divide exactly, else plain bytes). */
export function formatSize(bytes: number): string {
  for (const unit of ['TiB', 'GiB', 'MiB', 'KiB'] as const) {
    const size = SIZE_UNITS[unit.toLowerCase()]!;
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}
