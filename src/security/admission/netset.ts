/**
 * FireHOL netset files (the format of firehol_level1.netset and friends): one address or CIDR per line,
 * `#` starts a comment, blank lines ignored. Bad lines are skipped and counted, never fatal, so one typo in a
 * 50 000-line list does not drop the whole list.
 *
 *   # firehol_level1
 *   203.0.113.0/24
 *   198.51.100.7
 *   2001:db8::/32
 */
import { readFile, stat } from 'node:fs/promises';
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { parseCidr, CidrSet, type Cidr } from './ip.js';

export interface NetsetParse {
  cidrs: Cidr[];
  /** 1-based line numbers that were not addresses. */
  badLines: number[];
}

export function parseNetset(text: string): NetsetParse {
  const cidrs: Cidr[] = [];
  const badLines: number[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/[#;].*$/, '').trim();
    if (line === '') continue;
    try {
      cidrs.push(parseCidr(line.split(/\s+/)[0]!));
    } catch {
      badLines.push(i + 1);
    }
  }
  return { cidrs, badLines };
}

export interface NetsetLoad {
  set: CidrSet;
  entries: number;
  badLines: number[];
}

/**
 * Keeps a netset file loaded: fs.watch on its directory (catches editors' rename-over writes) plus a stat poll
 * as the fallback where fs.watch is unreliable (network filesystems, some containers). A missing or unreadable
 * file keeps the last good list.
 */
export class NetsetWatcher {
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private debounce?: NodeJS.Timeout;
  private fingerprint = '';
  private closed = false;

  constructor(
    readonly file: string,
    private readonly pollMs: number,
    private readonly onLoad: (load: NetsetLoad) => void,
    private readonly onError: (error: Error) => void,
  ) {}

  async start(): Promise<void> {
    await this.reload();
    try {
      this.watcher = watch(dirname(this.file), { persistent: false }, (_event, name) => {
        if (name === null || name === basename(this.file)) this.schedule();
      });
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      // no fs.watch here: the poll below still sees changes
    }
    if (this.pollMs > 0) {
      this.timer = setInterval(() => this.schedule(), this.pollMs);
      this.timer.unref();
    }
  }

  private schedule(): void {
    if (this.closed) return;
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.reload(), 50);
    this.debounce.unref();
  }

  /** Re-read when size, mtime or inode changed (or always with `force`). */
  async reload(force = false): Promise<boolean> {
    try {
      const info = await stat(this.file);
      const fingerprint = `${info.ino}:${info.size}:${info.mtimeMs}`;
      if (!force && fingerprint === this.fingerprint) return false;
      const parsed = parseNetset(await readFile(this.file, 'utf8'));
      this.fingerprint = fingerprint;
      if (this.closed) return false;
      this.onLoad({ set: new CidrSet(parsed.cidrs), entries: parsed.cidrs.length, badLines: parsed.badLines });
      return true;
    } catch (err) {
      this.onError(err as Error);
      return false;
    }
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
    clearInterval(this.timer);
    clearTimeout(this.debounce);
  }
}
