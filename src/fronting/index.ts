/**
 * Fronting-site profiles, one job per file. [docs/operations.md "Fronting site profile"]
 *   probe.ts     one handshake with the site, its first flight recorded (bounded)
 *   flight.ts    parse that flight: record types and sizes, ServerHello suite and extension order
 *   profile.ts   SiteProfile from a few samples
 *   fallback.ts  the documented distribution of common certificate chains
 *   store.ts     ProfileStore: a profile per domain, refreshed every profile_refresh
 *   source.ts    ProfileSource, the handshake's seam (FallbackProfiles: the plain default)
 *   launch.ts    the store `mtshield run` starts: which domains, where their sites are
 *   answer.ts    planAnswer: suite, extension order, flight size and delay for one valid client
 *   format.ts    formatProfile for `mtshield doctor`
 */
export * from './errors.js';
export * from './flight.js';
export * from './probe.js';
export * from './profile.js';
export * from './fallback.js';
export * from './store.js';
export * from './source.js';
export * from './launch.js';
export * from './answer.js';
export * from './format.js';
