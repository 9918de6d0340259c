/**
 * The three files middle mode runs on (docs/operations.md "Middle-proxy mode"): the proxy secret
 * (core.telegram.org/getProxySecret) and the proxy table (getProxyConfig, optionally getProxyConfigV6).
 *
 *   open()      reads them; a missing or unusable file refuses the start with MiddleSetupError naming the file
 *               and how to get it. With `download`, the three are fetched first (a failed fetch keeps the files
 *               on disk, which must then exist).
 *   refresh()   fetches again (with `download`), re-reads, and returns the new table and secret; a broken or
 *               empty file — or a failed fetch — throws and the caller keeps what it has.
 *
 * Downloads use node:https, validate what came back before anything is written, and replace each file
 * atomically (written next to it, then renamed over it). The base URL is an internal option (tests point it
 * at a server on 127.0.0.1), not a config key.
 */
import { readFile, rename, writeFile, unlink } from 'node:fs/promises';
import { get as httpsGet } from 'node:https';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { MiddleSetupError } from './errors.js';
import { parseProxyTable, ProxyTable, type MiddleEndpoint } from './proxy-table.js';

export const TELEGRAM_CORE_URL = 'https://core.telegram.org';
/** A proxy secret shorter than this is not one (Telegram's is 128 bytes). */
const MIN_SECRET_BYTES = 32;
const MAX_DOWNLOAD_BYTES = 1024 * 1024;

export interface MiddleFilePaths {
  proxySecretPath: string;
  proxyConfigPath: string;
  proxyConfigV6Path?: string | undefined;
}

export interface MiddleSourcesOptions extends MiddleFilePaths {
  download: boolean;
  /** Where the files are fetched from (default https://core.telegram.org; tests use a local server). */
  baseUrl?: string;
  downloadTimeoutMs?: number;
  /** A fetch that failed (the files on disk are kept); never holds file contents. */
  onDownloadFailed?: (file: string, err: Error) => void;
}

export interface MiddleSnapshot {
  table: ProxyTable;
  proxySecret: Uint8Array;
}

const HOW_TO_GET: Record<string, string> = {
  proxySecretPath: 'getProxySecret',
  proxyConfigPath: 'getProxyConfig',
  proxyConfigV6Path: 'getProxyConfigV6',
};
const CONFIG_KEY: Record<string, string> = {
  proxySecretPath: 'upstream.middle.proxy_secret',
  proxyConfigPath: 'upstream.middle.proxy_config',
  proxyConfigV6Path: 'upstream.middle.proxy_config_v6',
};

export class MiddleSources {
  constructor(private readonly options: MiddleSourcesOptions) {}

  /** Start-up: download when asked, then read; throws MiddleSetupError naming the file and the fix. */
  async open(): Promise<MiddleSnapshot> {
    if (this.options.download) await this.downloadAll();
    return await this.read();
  }

  /** A refresh: download when asked, then read. Throws (the caller keeps its table) when anything is unusable. */
  async refresh(): Promise<MiddleSnapshot> {
    return await this.open();
  }

  private files(): Array<[keyof MiddleFilePaths, string]> {
    const { proxySecretPath, proxyConfigPath, proxyConfigV6Path } = this.options;
    const files: Array<[keyof MiddleFilePaths, string]> = [['proxySecretPath', proxySecretPath], ['proxyConfigPath', proxyConfigPath]];
    if (proxyConfigV6Path !== undefined) files.push(['proxyConfigV6Path', proxyConfigV6Path]);
    return files;
  }

  private async downloadAll(): Promise<void> {
    const base = this.options.baseUrl ?? TELEGRAM_CORE_URL;
    for (const [key, path] of this.files()) {
      try {
        const body = await fetchBytes(`${base}/${HOW_TO_GET[key]}`, this.options.downloadTimeoutMs ?? 15_000);
        validate(key, body);
        const temporary = `${path}.download-${process.pid}`;
        await writeFile(temporary, body, { mode: 0o600 });
        await rename(temporary, path).catch(async (err: unknown) => {
          await unlink(temporary).catch(() => {});
          throw err;
        });
      } catch (err) {
        this.options.onDownloadFailed?.(path, err instanceof Error ? err : new Error(String(err)));
      }
    }
  }

  private async read(): Promise<MiddleSnapshot> {
    const { proxySecretPath, proxyConfigPath, proxyConfigV6Path } = this.options;
    const proxySecret = await readNeeded('proxySecretPath', proxySecretPath);
    validateFile('proxySecretPath', proxySecretPath, proxySecret);
    const v4 = await readNeeded('proxyConfigPath', proxyConfigPath);
    let table = parseFile('proxyConfigPath', proxyConfigPath, v4);
    if (proxyConfigV6Path !== undefined) {
      const v6 = await readNeeded('proxyConfigV6Path', proxyConfigV6Path);
      table = mergeTables(table, parseFile('proxyConfigV6Path', proxyConfigV6Path, v6));
    }
    return { table, proxySecret };
  }
}

async function readNeeded(key: string, path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
    throw new MiddleSetupError(
      'ERR_CONFIG_MIDDLE_FILE',
      `${CONFIG_KEY[key]}: ${path} ${why}; get it with "curl -fsSo ${path} ${TELEGRAM_CORE_URL}/${HOW_TO_GET[key]}" or set [upstream.middle] download = true`,
      { cause: err },
    );
  }
}

function validateFile(key: string, path: string, body: Buffer): void {
  try {
    validate(key, body);
  } catch (err) {
    throw new MiddleSetupError('ERR_CONFIG_MIDDLE_FILE', `${CONFIG_KEY[key]}: ${path}: ${(err as Error).message}`, { cause: err });
  }
}

function parseFile(key: string, path: string, body: Buffer): ProxyTable {
  try {
    return parseProxyTable(body.toString('utf8'));
  } catch (err) {
    throw new MiddleSetupError('ERR_CONFIG_MIDDLE_FILE', `${CONFIG_KEY[key]}: ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** Throws when `body` cannot be the file `key` names (nothing is written then). */
function validate(key: string, body: Buffer): void {
  if (key === 'proxySecretPath') {
    if (body.length < MIN_SECRET_BYTES) throw new Error(`a proxy secret of ${body.length} bytes is too short (is the file empty?)`);
    return;
  }
  parseProxyTable(body.toString('utf8'));
}

/** The IPv4 table with the IPv6 table's proxies added to each DC's row (the IPv4 default stays). */
export function mergeTables(v4: ProxyTable, v6: ProxyTable): ProxyTable {
  const rows = new Map<number, MiddleEndpoint[]>();
  for (const dc of v4.dcs) rows.set(dc, [...v4.endpoints(dc)]);
  for (const dc of v6.dcs) rows.set(dc, [...(rows.get(dc) ?? []), ...v6.endpoints(dc)]);
  return new ProxyTable(rows, v4.defaultDc);
}

function fetchBytes(url: string, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('http:') ? httpGet : httpsGet;
    const request = get(url, { timeout: timeoutMs }, (response: IncomingMessage) => {
      if (response.statusCode !== 200) {
        response.resume();
        return reject(new MiddleSetupError('ERR_CONFIG_MIDDLE_DOWNLOAD', `${url} answered HTTP ${response.statusCode ?? '?'}`));
      }
      const parts: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_DOWNLOAD_BYTES) return request.destroy(new MiddleSetupError('ERR_CONFIG_MIDDLE_DOWNLOAD', `${url} sent more than ${MAX_DOWNLOAD_BYTES} bytes`));
        parts.push(chunk);
      });
      response.on('end', () => resolve(Buffer.concat(parts)));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new MiddleSetupError('ERR_CONFIG_MIDDLE_DOWNLOAD', `${url} did not answer in time`)));
    request.on('error', reject);
  });
}
