/**
 * The hash chain of the audit log (one JSON object per line):
 *
 *   {"seq":7,"at":"2026-…Z","type":"block.added",…,"prev":"<hash of line 6>","hash":"<SHA-256 of this entry>"}
 *
 *   hash = SHA-256( canonical JSON of the entry without `hash` )   canonical = keys sorted, no spaces
 *   prev = the previous line's hash; line 1 has seq 1 and prev = 64 × "0"
 *
 * Keyed chain: with an audit key (kept outside the log, docs/security.md "Audit log") the entry carries
 * `"mac":"hmac-sha256"` and `hash` = HMAC-SHA256(key, canonical JSON) (RFC 2104), so a writer who can edit the
 * file but not read the key cannot recompute the hashes after changing a line.
 *
 * Editing a line breaks its own hash; deleting or reordering lines breaks `prev` or `seq` on the next line;
 * a line cut short (crash, truncation) no longer parses. Removing whole lines from the end leaves a shorter,
 * valid chain: compare the hash at a head recorded elsewhere (`expectHead`, checked at its seq) to catch that.
 * A file may start mid-chain with one `audit.file_started` line whose `prev` is the previous file's head.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

export const GENESIS = '0'.repeat(64);

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item === undefined ? null : item)).join(',')}]`;
  const keys = Object.keys(value as object)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`).join(',')}}`;
}

export const KEYED_MAC = 'hmac-sha256';
/** The first line of a file that continues the chain of an earlier file. */
export const FILE_STARTED = 'audit.file_started';

export function entryHash(entryWithoutHash: Record<string, unknown>, key?: Uint8Array): string {
  const bytes = utf8ToBytes(canonicalJson(entryWithoutHash));
  return bytesToHex(key ? hmac(sha256, key, bytes) : sha256(bytes));
}

export interface ChainHead {
  seq: number;
  hash: string;
}

export type LineCheck = { ok: true; head: ChainHead } | { ok: false; reason: string };

/**
 * Checks one line against the head before it. `previous` undefined: the file's first line, which starts at
 * genesis or, as an `audit.file_started` line, at the head it names. With a key, every line must be keyed.
 */
export function checkLine(line: string, previous: ChainHead | undefined, key?: Uint8Array): LineCheck {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'not valid JSON (edited or truncated)' };
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return { ok: false, reason: 'not a JSON object' };
  const { hash, ...rest } = parsed as Record<string, unknown>;
  if (typeof hash !== 'string' || typeof rest.prev !== 'string' || typeof rest.seq !== 'number') {
    return { ok: false, reason: 'missing seq, prev or hash' };
  }
  const keyed = rest.mac === KEYED_MAC;
  if (key && !keyed) return { ok: false, reason: 'line is not keyed (rewritten without the audit key)' };
  if (keyed && !key) return { ok: false, reason: 'keyed chain: pass the audit key (--key-file) to verify it' };
  if (entryHash(rest, key) !== hash) return { ok: false, reason: 'hash does not match the entry (edited)' };
  previous ??= rest.type === FILE_STARTED ? { seq: rest.seq - 1, hash: rest.prev } : { seq: 0, hash: GENESIS };
  if (rest.seq !== previous.seq + 1) return { ok: false, reason: `seq ${rest.seq} where ${previous.seq + 1} was expected (deleted or reordered)` };
  if (rest.prev !== previous.hash) return { ok: false, reason: 'prev does not match the previous line (deleted or reordered)' };
  return { ok: true, head: { seq: rest.seq, hash } };
}
