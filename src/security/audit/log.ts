/**
 * The audit log: every security event and every admin action as one hash-chained JSON line (audit-chain.ts),
 * written through pino (sync destination, so an entry is on disk when `append` returns). Secrets never enter
 * it: keys named like secret/token/key/password are replaced before hashing. `recent(n)` serves the last
 * entries from memory. With no file configured the log still chains in memory (recent works, nothing persists).
 */
import { existsSync, openSync, readSync, fstatSync, closeSync } from 'node:fs';
import pino from 'pino';
import type { Severity } from '../../events.js';
import type { Clock } from '../clock.js';
import { invalid } from '../errors.js';
import { entryHash, GENESIS, type ChainHead } from './chain.js';
import { verifyAuditFile, type AuditVerifyResult } from './verify.js';

export interface AuditInput {
  type: string;
  severity?: Severity;
  /** Who did it: "token:ops", "session:ops", "system", "anomaly", "cli". */
  actor?: string;
  message?: string;
  ip?: string;
  user?: string;
  details?: Record<string, unknown>;
}

export interface AuditEntry extends AuditInput {
  seq: number;
  at: string;
  prev: string;
  hash: string;
}

const SECRET_KEY = /secret|token|password|passphrase|authorization|^key$|^session$|^links?$|private/i;

/** Replaces values under secret-looking keys (recursively), so they are never hashed or written. */
export function scrubSecrets(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => scrubSecrets(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) && key !== 'tokenName' ? '[redacted]' : scrubSecrets(item, depth + 1);
  }
  return out;
}

function readTail(path: string, maxBytes: number): string[] {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').split('\n').filter((line) => line.length > 0);
    if (length < size) lines.shift(); // the first one may be cut
    return lines;
  } finally {
    closeSync(fd);
  }
}

export class AuditLog {
  private head: ChainHead = { seq: 0, hash: GENESIS };
  private readonly ring: AuditEntry[] = [];
  private readonly logger?: pino.Logger;
  private readonly destination?: ReturnType<typeof pino.destination>;

  constructor(
    readonly file: string | undefined,
    private readonly clock: Clock,
    private readonly keep = 1000,
  ) {
    if (!file) return;
    if (existsSync(file)) this.resume(file);
    this.destination = pino.destination({ dest: file, sync: true, mkdir: true, append: true });
    this.logger = pino(
      { base: null, timestamp: false, level: 'info' },
      this.destination,
    );
  }

  /** Continue the chain of an existing file from its last line, and preload `recent`. */
  private resume(file: string): void {
    const lines = readTail(file, 1 << 20);
    for (const line of lines.slice(-this.keep)) {
      try {
        this.ring.push(JSON.parse(line) as AuditEntry);
      } catch {
        // a damaged line stays in the file for verify to report; it is not served by recent()
      }
    }
    const last = lines.at(-1);
    if (!last) return;
    try {
      const parsed = JSON.parse(last) as AuditEntry;
      if (typeof parsed.seq === 'number' && typeof parsed.hash === 'string') this.head = { seq: parsed.seq, hash: parsed.hash };
    } catch {
      // The chain is already broken at the tail; new lines keep counting after it so verify names the damage.
    }
  }

  append(input: AuditInput): AuditEntry {
    // pino writes `"level":30` first on every line; it is part of the line, so it is part of the hash.
    const body: Record<string, unknown> = {
      level: 30,
      seq: this.head.seq + 1,
      at: new Date(this.clock.now()).toISOString(),
      type: input.type,
      severity: input.severity ?? 'info',
      actor: input.actor ?? 'system',
      message: input.message,
      ip: input.ip,
      user: input.user,
      details: input.details === undefined ? undefined : scrubSecrets(input.details),
      prev: this.head.hash,
    };
    for (const key of Object.keys(body)) if (body[key] === undefined) delete body[key];
    const hash = entryHash(body);
    const { level: _level, ...fields } = body;
    const entry = { ...fields, hash } as unknown as AuditEntry;
    this.logger?.info(entry);
    this.head = { seq: entry.seq, hash };
    this.ring.push(entry);
    if (this.ring.length > this.keep) this.ring.splice(0, this.ring.length - this.keep);
    return entry;
  }

  /** The last `n` entries, oldest first. */
  recent(n = 50): AuditEntry[] {
    return this.ring.slice(-Math.max(0, Math.min(n, this.keep)));
  }

  currentHead(): ChainHead {
    return { ...this.head };
  }

  /** Checks the chain of `path` (default: this log's own file). */
  async verifyFile(path = this.file): Promise<AuditVerifyResult> {
    if (!path) throw invalid('path', 'no audit file configured');
    return verifyAuditFile(path);
  }

  close(): void {
    try {
      this.destination?.flushSync();
    } catch {
      // nothing buffered with a sync destination
    }
    this.destination?.end();
  }
}
