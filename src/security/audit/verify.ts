/**
 * `verifyAuditFile(path)`: streams the file line by line through the chain check (audit-chain.ts) and names
 * the first bad line (1-based). Used by `mtshield audit verify FILE` and /api/v1/audit.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
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
}

export async function verifyAuditFile(path: string, options: { expectHead?: ChainHead } = {}): Promise<AuditVerifyResult> {
  let head: ChainHead = { seq: 0, hash: GENESIS };
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
      const check = checkLine(line, head);
      if (!check.ok) return { ok: false, lines: lineNo, firstBadLine: lineNo, reason: check.reason, head };
      head = check.head;
    }
  } finally {
    lines.close();
    stream.destroy();
  }
  if (lineNo > 0 && !endsWithNewline) {
    return { ok: false, lines: lineNo, firstBadLine: lineNo, reason: 'last line has no newline (truncated)', head };
  }
  if (options.expectHead && (options.expectHead.seq > head.seq || (options.expectHead.seq === head.seq && options.expectHead.hash !== head.hash))) {
    return { ok: false, lines: lineNo, firstBadLine: lineNo + 1, reason: `chain ends at seq ${head.seq}, expected seq ${options.expectHead.seq} (truncated)`, head };
  }
  return { ok: true, lines: lineNo, head };
}
