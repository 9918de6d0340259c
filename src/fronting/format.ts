/**
 * `mtshield doctor`'s view of a fronting profile: one line per domain, then its shape.
 * [docs/operations.md "Fronting site profile"]
 */
import type { SiteProfile } from './profile.js';

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

function range(values: readonly number[], unit: string): string {
  if (values.length === 0) return 'none';
  const min = Math.min(...values);
  const max = Math.max(...values);
  const f = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));
  return min === max ? `${f(min)} ${unit}` : `${f(min)}..${f(max)} ${unit}`;
}

/** Lines describing a profile, for `mtshield doctor` (no secrets: only sizes, suites and times). */
export function formatProfile(profile: SiteProfile): string[] {
  const source = profile.source === 'site' ? `measured, ${profile.samples.length} sample(s)` : `fallback (${profile.reason ?? 'unreachable'})`;
  return [
    `${profile.domain}: ${source}, ${new Date(profile.fetchedAt).toISOString()}`,
    `  records   ${profile.recordTypes.map((t) => t.toString(16)).join(' ')}${profile.changeCipherSpec ? '' : ' (no ChangeCipherSpec)'}`,
    `  hello     ${profile.serverHelloLength} bytes, suite ${hex4(profile.cipherSuite)}, extensions ${profile.extensionOrder.map(hex4).join(',') || 'none'}`,
    `  flight    ${range(profile.flightSizes, 'bytes')} as one record`,
    `  delay     ${range(profile.delaysMs, 'ms')}`,
  ];
}
