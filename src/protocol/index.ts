/**
 * The protocol layer (pure: no sockets, no timers; clocks are passed in). One module per job:
 *   secrets.ts, links.ts      secrets (plain / dd / ee) and tg:// + t.me links
 *   obfuscated2.ts, ctr.ts    the 64-byte header: server side, client side, proxy → DC, fast mode
 *   dc.ts                     DC table and overrides
 *   replay.ts                 ReplayCache interface + bounded in-memory default
 *   faketls.ts (+ faketls-*.ts, tls-records.ts)   fake TLS handshake and data-phase records
 *   framing.ts                abridged / intermediate / padded codecs
 *   errors.ts                 typed errors (ERR_PROTOCOL_*)
 */
export * from './errors.js';
export * from './secrets.js';
export * from './links.js';
export * from './ctr.js';
export * from './obfuscated2.js';
export * from './dc.js';
export * from './replay.js';
export * from './faketls.js';
export * from './framing.js';
