/**
 * Where the run-time overlay (overlay.ts) is kept: a JSON file under `state_dir` with the memory backend
 * (mode 0600, written atomically: temp file, fsync, rename, so a crash leaves the old or the new file, never
 * half of one), or one key of the shared StateStore with the Redis backend, so every process on the same
 * Redis reads the same run-time changes.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { OverlayStateError } from './errors.js';
import type { StateStore } from './store.js';

export interface OverlayPersistence {
  /** The saved overlay text, or undefined when nothing was saved yet. */
  read(): Promise<string | undefined>;
  write(text: string): Promise<void>;
}

export const OVERLAY_FILE = 'runtime-overlay.json';
export const OVERLAY_KEY = 'overlay';

/** Writes `text` to `file` atomically with mode 0600 (temp file in the same directory, fsync, rename). */
export function writeFileAtomic(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
}

export class FileOverlayPersistence implements OverlayPersistence {
  readonly file: string;

  constructor(stateDir: string) {
    this.file = join(stateDir, OVERLAY_FILE);
  }

  async read(): Promise<string | undefined> {
    try {
      return readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new OverlayStateError(`cannot read ${this.file}: ${(err as Error).message}`, { cause: err });
    }
  }

  async write(text: string): Promise<void> {
    try {
      writeFileAtomic(this.file, text);
    } catch (err) {
      throw new OverlayStateError(`cannot write ${this.file}: ${(err as Error).message}`, { cause: err });
    }
  }
}

/** The overlay as one key of a shared store (Redis): the store adds its own prefix. */
export class StoreOverlayPersistence implements OverlayPersistence {
  constructor(private readonly store: StateStore) {}

  read(): Promise<string | undefined> {
    return this.store.get(OVERLAY_KEY);
  }

  write(text: string): Promise<void> {
    return this.store.set(OVERLAY_KEY, text);
  }
}
