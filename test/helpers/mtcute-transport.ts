/**
 * mtcute 0.30.3's MTProxy transport, driven from @mtcute/core alone. All of the wire code (obfuscated2 init,
 * the fake-TLS hello and its check, the intermediate / padded codecs, TLS records) is mtcute core's
 * `BaseMtProxyTransport`; @mtcute/node only adds a TCP dial and a node:crypto provider, written out here as it
 * writes them. Dropping @mtcute/node drops its storage package, better-sqlite3, which `npm ci` would otherwise
 * compile from source for minutes.
 */
import { connectTcp } from '@fuman/node';
import type { TcpEndpoint } from '@fuman/net';
import { BaseMtProxyTransport } from '@mtcute/core';
import { BaseCryptoProvider, LogManager, type IAesCtr, type ICryptoProvider, type IEncryptionScheme } from '@mtcute/core/utils.js';
import { createCipheriv, createHash, createHmac, pbkdf2Sync, randomFillSync } from 'node:crypto';
import { deflateSync, gunzipSync } from 'node:zlib';

/** @mtcute/node's MtProxyTcpTransport: the core transport over a Node TCP socket. */
export class MtProxyTcpTransport extends BaseMtProxyTransport {
  async _connectTcp(endpoint: TcpEndpoint) {
    const conn = await connectTcp(endpoint);
    conn.setNoDelay(true);
    conn.setKeepAlive(true);
    return conn;
  }
}

/** @mtcute/node's NodeCryptoProvider, minus AES-IGE (MTProto's own encryption; the transport does not use it). */
export class NodeCryptoProvider extends BaseCryptoProvider implements ICryptoProvider {
  createAesCtr(key: Uint8Array, iv: Uint8Array): IAesCtr {
    const cipher = createCipheriv(`aes-${key.length * 8}-ctr`, key, iv);
    return { process: (data: Uint8Array) => cipher.update(data) };
  }
  createAesIge(): IEncryptionScheme {
    throw new Error('AES-IGE is not needed at the transport level');
  }
  pbkdf2(password: Uint8Array, salt: Uint8Array, iterations: number, keylen = 64, algo = 'sha512'): Uint8Array {
    return pbkdf2Sync(password, salt, iterations, keylen, algo);
  }
  sha1(data: Uint8Array): Uint8Array {
    return createHash('sha1').update(data).digest();
  }
  sha256(data: Uint8Array): Uint8Array {
    return createHash('sha256').update(data).digest();
  }
  hmacSha256(data: Uint8Array, key: Uint8Array): Uint8Array {
    return createHmac('sha256', key).update(data).digest();
  }
  gzip(data: Uint8Array, maxSize: number): Uint8Array | null {
    try {
      return deflateSync(data, { maxOutputLength: maxSize });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return null;
      throw err;
    }
  }
  gunzip(data: Uint8Array): Uint8Array {
    return gunzipSync(data);
  }
  randomFill(buf: Uint8Array): void {
    randomFillSync(buf);
  }
}

/** A LogManager that logs nothing (mtcute asks a platform for its level and its sink). */
export function silentLog(): LogManager {
  const log = new LogManager(undefined, { getDefaultLogLevel: () => LogManager.OFF, log: () => undefined } as unknown as ConstructorParameters<typeof LogManager>[1]);
  log.level = LogManager.OFF;
  return log;
}
