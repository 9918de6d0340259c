/**
 * The process logger: pino, NDJSON to stdout (or a given stream), secrets redacted by path — proxy secrets and
 * links, and the admin plane's credentials (bearer headers, token hashes, session ids, passphrases). Every part
 * takes a `Logger` handed down from the process entry (src/service.ts, the CLI); the data plane keeps one child
 * per connection with per-connection lines at debug level (info at 10k connections is noise).
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import { guardStdio, noteBrokenPipe, readerPresent } from './stdio.js';

export const REDACT_PATHS = [
  'secret',
  '*.secret',
  'secrets',
  '*.secrets',
  'token',
  '*.token',
  'key',
  '*.key',
  'link',
  '*.link',
  'links',
  '*.links',
  // Admin credentials: bearer headers, token hashes, session ids, TLS key passphrases.
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  'sha256',
  '*.sha256',
  'tokens[*].sha256',
  '*.tokens[*].sha256',
  'session',
  '*.session',
  'passphrase',
  '*.passphrase',
  'password',
  '*.password',
  // The SOCKS5 upstream's password ([upstream.socks5]), wherever the upstream config is logged.
  'socks5.password',
  '*.socks5.password',
  '*.*.socks5.password',
];

export function createLogger(level = 'info', destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'mtshield' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  return pino(options, destination ?? stdoutDestination());
}

/**
 * pino's default destination (asynchronous writes to fd 1), except that its flush at exit is skipped once the
 * reader is gone: that flush retries a failed write forever (src/log/stdio.ts).
 */
function stdoutDestination(): DestinationStream {
  guardStdio();
  const stream = pino.destination({ dest: 1, sync: false });
  stream.on('error', noteBrokenPipe);
  const flushSync = stream.flushSync.bind(stream);
  stream.flushSync = () => {
    if (readerPresent(1)) flushSync();
  };
  return stream;
}

export type { Logger };
