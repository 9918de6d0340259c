/**
 * The hash chain of the audit log (one JSON object per line):
 *
 *   {"seq":7,"at":"2026-…Z","type":"block.added",…,"prev":"<hash of line 6>","hash":"<SHA-256 of this entry>"}
 *
 *   hash = SHA-256( canonical JSON of the entry without `hash` )   canonical = keys sorted, no spaces
 *   prev = the previous line's hash; line 1 has seq 1 and prev = 64 × "0"
 *
 * Editing a line breaks its own hash; deleting or reordering lines breaks `prev` or `seq` on the next line;
 * a line cut short (crash, truncation) no longer parses. Removing whole lines from the end leaves a shorter,
 * valid chain: compare the head against one recorded elsewhere (`expectHead`) to catch that.
 */
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

export function entryHash(entryWithoutHash: Record<string, unknown>): string {
  return bytesToHex(sha256(utf8ToBytes(canonicalJson(entryWithoutHash))));
}

export interface ChainHead {
  seq: number;
  hash: string;
}

export type LineCheck = { ok: true; head: ChainHead } | { ok: false; reason: string };

/** Checks one line against the head before it. */
export function checkLine(line: string, previous: ChainHead): LineCheck {
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
  if (entryHash(rest) !== hash) return { ok: false, reason: 'hash does not match the entry (edited)' };
  if (rest.seq !== previous.seq + 1) return { ok: false, reason: `seq ${rest.seq} where ${previous.seq + 1} was expected (deleted or reordered)` };
  if (rest.prev !== previous.hash) return { ok: false, reason: 'prev does not match the previous line (deleted or reordered)' };
  return { ok: true, head: { seq: rest.seq, hash } };
}
