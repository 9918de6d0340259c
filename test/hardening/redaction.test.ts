/**
 * The redaction itself, field by field: the pino logger every part uses (src/log/logger.ts REDACT_PATHS) and
 * the audit log's scrubber (src/security/audit/log.ts scrubSecrets) hide every credential-bearing field shape
 * a caller could plausibly log — secrets, keys, links, tokens, token hashes, bearer headers, session ids,
 * TLS passphrases — while public fields (names, modes, counts) stay readable.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import { generateAdminToken } from '../../src/security/credentials/tokens.js';
import { scrubSecrets } from '../../src/security/audit/log.js';

const secret = formatSecret(generateSecret('ee', 'example.com'));
const token = generateAdminToken();
const session = `mss_${'s'.repeat(43)}`;
const link = `tg://proxy?server=127.0.0.1&port=443&secret=${secret}`;
const credentials = [secret, token.token, token.sha256, session, link, 'hunter2-passphrase'];

/** Field shapes that carry a credential (top level and one level down, as child loggers and `{ user: … }` do). */
const shapes: Record<string, unknown>[] = [
  { secret },
  { user: { name: 'alice', secret } },
  { secrets: [secret] },
  { key: secret },
  { cipher: { key: secret } },
  { link },
  { user: { links: { tg: link } } },
  { token: token.token },
  { auth: { token: token.token } },
  { sha256: token.sha256 },
  { entry: { sha256: token.sha256 } },
  { tokens: [{ name: 'ops', sha256: token.sha256 }] },
  { admin: { tokens: [{ name: 'ops', sha256: token.sha256 }] } },
  { authorization: `Bearer ${token.token}` },
  { req: { headers: { authorization: `Bearer ${token.token}` } } },
  { session },
  { created: { session } },
  { passphrase: 'hunter2-passphrase' },
  { tls: { passphrase: 'hunter2-passphrase' } },
  { password: 'hunter2-passphrase' },
];

describe('log redaction', () => {
  it('the pino logger hides every credential field and keeps public ones', () => {
    const lines: string[] = [];
    const logger = createLogger(
      'trace',
      new Writable({
        write(chunk: Buffer, _e, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    );
    for (const shape of shapes) logger.info(shape, 'shape');
    logger.child({ conn: 7 }).info({ user: { name: 'alice', secret } }, 'child');
    expect(lines).toHaveLength(shapes.length + 1);
    const leaks = lines.filter((line) => credentials.some((c) => line.includes(c)));
    expect(leaks).toEqual([]);
    expect(lines.join('')).toContain('"name":"alice"');
    expect(lines.filter((l) => l.includes('[redacted]'))).toHaveLength(lines.length);
  });

  it('the audit scrubber hides them too (kernel wasm hashes excepted: they are public)', () => {
    for (const shape of shapes.filter((s) => !('sha256' in s) && !('entry' in s))) {
      const text = JSON.stringify(scrubSecrets({ details: shape }));
      expect(credentials.filter((c) => c !== token.sha256).some((c) => text.includes(c)), text).toBe(false);
    }
    expect(JSON.stringify(scrubSecrets({ tokenName: 'ops', handle: 'h1' }))).toBe('{"tokenName":"ops","handle":"h1"}');
  });
});
