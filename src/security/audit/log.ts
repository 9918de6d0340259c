/**
 * The audit log: every security event and every admin action as one hash-chained JSON line (audit-chain.ts),
 * written through pino (sync destination, so an entry is on disk when `append` returns). Secrets never enter
 * it: keys named like secret/token/key/password are replaced before hashing. `recent(n)` serves the last
 * entries from memory. With no file configured the log still chains in memory (recent works, nothing persists).
 * With a key file (`<state_dir>/audit.key`, 0600, created when absent) the chain is keyed (HMAC-SHA256) and the
 * head is kept beside it (`audit.head`), so a new file (after a rotation) continues the chain instead of
 * starting a new genesis. The audit file itself is opened with mode 0600.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import pino from 'pino';
import type { Severity } from '../../events.js';
import type { Clock } from '../clock.js';
import { invalid } from '../errors.js';
import { entryHash, FILE_STARTED, GENESIS, KEYED_MAC, type ChainHead } from './chain.js';
import { readAuditKey, verifyAuditFile, type AuditVerifyResult } from './verify.js';

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

export interface AuditKeyOptions {
  /** Hex key file; created (0600) with 32 random bytes when absent. */
  keyFile: string;
  /** Where the head is kept after each append, so a new file continues the chain. */
  headFile: string;
}

/** The audit key at `path`, created 0600 when absent. */
export function loadOrCreateAuditKey(path: string): Uint8Array {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  }
  return readAuditKey(path);
}

function readHead(path: string): ChainHead | undefined {
  try {
    const head = JSON.parse(readFileSync(path, 'utf8')) as ChainHead;
    return typeof head.seq === 'number' && typeof head.hash === 'string' ? { seq: head.seq, hash: head.hash } : undefined;
  } catch {
    return undefined;
  }
}

export class AuditLog {
  private head: ChainHead = { seq: 0, hash: GENESIS };
  private readonly key?: Uint8Array;
  private readonly headFile?: string;
  private readonly ring: AuditEntry[] = [];
  private readonly logger?: pino.Logger;
  private readonly destination?: ReturnType<typeof pino.destination>;

  constructor(
    readonly file: string | undefined,
    private readonly clock: Clock,
    private readonly keep = 1000,
    keyed?: AuditKeyOptions,
  ) {
    if (!file) return;
    if (keyed) {
      this.key = loadOrCreateAuditKey(keyed.keyFile);
      this.headFile = keyed.headFile;
    }
    const fresh = !existsSync(file) || statSync(file).size === 0;
    if (!fresh) this.resume(file);
    this.destination = pino.destination({ dest: file, sync: true, mkdir: true, append: true, mode: 0o600 });
    chmodSync(file, 0o600); // a file created by an older version kept the default mode
    this.logger = pino(
      { base: null, timestamp: false, level: 'info' },
      this.destination,
    );
    const previous = fresh && this.headFile ? readHead(this.headFile) : undefined;
    if (previous && previous.seq > 0) {
      this.head = previous;
      this.append({ type: FILE_STARTED, message: `continues the chain from seq ${previous.seq}`, details: { previousHead: previous } });
    }
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
      mac: this.key ? KEYED_MAC : undefined,
    };
    for (const key of Object.keys(body)) if (body[key] === undefined) delete body[key];
    const hash = entryHash(body, this.key);
    const { level: _level, ...fields } = body;
    const entry = { ...fields, hash } as unknown as AuditEntry;
    this.logger?.info(entry);
    this.head = { seq: entry.seq, hash };
    if (this.headFile) this.saveHead();
    this.ring.push(entry);
    if (this.ring.length > this.keep) this.ring.splice(0, this.ring.length - this.keep);
    return entry;
  }

  private saveHead(): void {
    const tmp = `${this.headFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.head), { mode: 0o600 });
    renameSync(tmp, this.headFile!);
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
    return verifyAuditFile(path, { key: this.key });
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
