/**
 * `verifyAuditFile(path, { key, expectHead })`: streams the file line by line through the chain check
 * (chain.ts) and names the first bad line (1-based). `expectHead` (a head recorded elsewhere) is checked at its
 * own seq, so a chain cut back and written on past it is caught. Used by `mtshield audit verify FILE` and
 * /api/v1/audit.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import { checkLine, GENESIS, type ChainHead } from './chain.js';

export interface AuditVerifyResult {
  ok: boolean;
  /** Lines read (complete or not). */
  lines: number;
  /** 1-based number of the first bad line when !ok. */
  firstBadLine?: number;
  reason?: string;
  /** The last good head (seq and hash), to record elsewhere and pass back as `expectHead`. */
  head: ChainHead;
  /** Where the file's chain starts (seq 0 and 64 zeros unless it continues an earlier file). */
  start?: ChainHead;
}

/** Reads an audit key file (32 random bytes, hex), as written by the audit log. */
export function readAuditKey(path: string): Uint8Array {
  const hex = readFileSync(path, 'utf8').trim();
  if (!/^([0-9a-f]{2}){16,}$/i.test(hex)) throw new Error(`${path}: not an audit key (hex)`);
  return Buffer.from(hex, 'hex');
}

export async function verifyAuditFile(path: string, options: { expectHead?: ChainHead; key?: Uint8Array } = {}): Promise<AuditVerifyResult> {
  let head: ChainHead = { seq: 0, hash: GENESIS };
  let start: ChainHead | undefined;
  const expected = options.expectHead;
  let seenExpected = false;
  let lineNo = 0;
  let endsWithNewline = true;
  const stream = createReadStream(path, { encoding: 'utf8' });
  stream.on('data', (chunk) => {
    if (chunk.length > 0) endsWithNewline = (chunk as string).endsWith('\n');
  });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      lineNo++;
      const check = checkLine(line, lineNo === 1 ? undefined : head, options.key);
      if (!check.ok) return { ok: false, lines: lineNo, firstBadLine: lineNo, reason: check.reason, head };
      if (lineNo === 1) start = { seq: check.head.seq - 1, hash: (JSON.parse(line) as { prev: string }).prev };
      head = check.head;
      if (expected && head.seq === expected.seq) {
        if (head.hash !== expected.hash) return { ok: false, lines: lineNo, firstBadLine: lineNo, reason: `seq ${head.seq} does not carry the recorded head (rewritten)`, head };
        seenExpected = true;
      }
    }
  } finally {
    lines.close();
    stream.destroy();
  }
  if (lineNo > 0 && !endsWithNewline) {
    return { ok: false, lines: lineNo, firstBadLine: lineNo, reason: 'last line has no newline (truncated)', head };
  }
  if (expected && !seenExpected && expected.seq > (start?.seq ?? 0)) {
    return { ok: false, lines: lineNo, firstBadLine: lineNo + 1, reason: `chain ends at seq ${head.seq}, expected seq ${expected.seq} (truncated)`, head };
  }
  return { ok: true, lines: lineNo, head, start };
}
