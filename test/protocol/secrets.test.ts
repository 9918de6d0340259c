import { describe, expect, it } from 'vitest';
import { isMtShieldError } from '../../src/errors.js';
import { SecretError } from '../../src/protocol/errors.js';
import { proxyLinks } from '../../src/protocol/links.js';
import { formatSecret, generateSecret, parseSecret, secretBytes } from '../../src/protocol/secrets.js';

const KEY_HEX = '367a189aee18fa31c190054efd4a8e95';
const EE_HEX = `ee${KEY_HEX}${Buffer.from('storage.googleapis.com').toString('hex')}`;

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SecretError);
    return (err as SecretError).code;
  }
  throw new Error('did not throw');
}

describe('parseSecret', () => {
  it('reads plain, dd and ee secrets in hex', () => {
    const plain = parseSecret(KEY_HEX);
    expect(plain.mode).toBe('plain');
    expect(Buffer.from(plain.key).toString('hex')).toBe(KEY_HEX);
    const dd = parseSecret(`dd${KEY_HEX.toUpperCase()}`);
    expect(dd.mode).toBe('dd');
    expect(Buffer.from(dd.key).toString('hex')).toBe(KEY_HEX);
    const ee = parseSecret(EE_HEX);
    expect(ee).toMatchObject({ mode: 'ee', domain: 'storage.googleapis.com' });
    expect(Buffer.from(ee.key).toString('hex')).toBe(KEY_HEX);
  });

  it('reads base64url and base64, with or without padding', () => {
    const bytes = Buffer.from(EE_HEX, 'hex');
    for (const text of [bytes.toString('base64url'), bytes.toString('base64'), `${bytes.toString('base64url')}=`.slice(0, bytes.toString('base64').length)]) {
      const s = parseSecret(text);
      expect(s.mode).toBe('ee');
      expect(s.domain).toBe('storage.googleapis.com');
    }
    expect(parseSecret('NnoYmu4Y+jHBkAVO/UqOlQ').mode).toBe('plain');
    expect(parseSecret('NnoYmu4Y-jHBkAVO_UqOlQ==').mode).toBe('plain');
  });

  it('formats back to hex (default) and base64url and round-trips', () => {
    for (const mode of ['plain', 'dd', 'ee'] as const) {
      const s = generateSecret(mode, 'example.com');
      expect(parseSecret(formatSecret(s))).toEqual(s);
      expect(parseSecret(formatSecret(s, 'base64url'))).toEqual(s);
      expect(formatSecret(s)).toMatch(/^[0-9a-f]+$/);
    }
    expect(formatSecret(parseSecret(EE_HEX))).toBe(EE_HEX);
    expect(secretBytes(parseSecret(EE_HEX)).length).toBe(17 + 22);
  });

  it('rejects bad secrets with stable codes and never echoes the secret', () => {
    const cases: [string, string][] = [
      ['', 'ERR_PROTOCOL_SECRET_EMPTY'],
      ['   ', 'ERR_PROTOCOL_SECRET_EMPTY'],
      ['zz!!not-a-secret', 'ERR_PROTOCOL_SECRET_ENCODING'],
      ['0011223344', 'ERR_PROTOCOL_SECRET_LENGTH'],
      [`dd${KEY_HEX}00`, 'ERR_PROTOCOL_SECRET_LENGTH'],
      [`ab${KEY_HEX}`, 'ERR_PROTOCOL_SECRET_PREFIX'],
      [`ee${KEY_HEX}`, 'ERR_PROTOCOL_SECRET_DOMAIN'],
      [`ee${KEY_HEX}${'61'.repeat(183)}`, 'ERR_PROTOCOL_SECRET_DOMAIN'],
      [`ee${KEY_HEX}ff`, 'ERR_PROTOCOL_SECRET_DOMAIN'],
      [`ee${KEY_HEX}${Buffer.from('a b.com').toString('hex')}`, 'ERR_PROTOCOL_SECRET_DOMAIN'],
    ];
    for (const [text, code] of cases) {
      expect(codeOf(() => parseSecret(text))).toBe(code);
      try {
        parseSecret(text);
      } catch (err) {
        expect(isMtShieldError(err)).toBe(true);
        if (text.trim()) expect((err as Error).message).not.toContain(text);
        expect((err as Error).message).not.toContain(KEY_HEX);
      }
    }
    expect(parseSecret(`ee${KEY_HEX}${'61'.repeat(182)}`).domain).toHaveLength(182);
    expect(parseSecret(`ee${KEY_HEX}${Buffer.from('bücher.de').toString('hex')}`).domain).toBe('bücher.de');
  });

  it('generates random keys and requires a domain for ee', () => {
    const a = generateSecret('dd');
    const b = generateSecret('dd');
    expect(a.key).not.toEqual(b.key);
    expect(codeOf(() => generateSecret('ee'))).toBe('ERR_PROTOCOL_SECRET_DOMAIN');
    expect(codeOf(() => generateSecret('xx' as 'ee'))).toBe('ERR_PROTOCOL_SECRET_MODE');
  });
});

describe('proxyLinks', () => {
  it('builds tg:// and t.me links with a hex secret', () => {
    const links = proxyLinks('proxy.example.com', 443, EE_HEX);
    expect(links.tg).toBe(`tg://proxy?server=proxy.example.com&port=443&secret=${EE_HEX}`);
    expect(links.https).toBe(`https://t.me/proxy?server=proxy.example.com&port=443&secret=${EE_HEX}`);
  });

  it('puts IPv6 hosts in bare, without brackets', () => {
    expect(proxyLinks('[2001:db8::1]', 8443, KEY_HEX).tg).toBe(`tg://proxy?server=2001:db8::1&port=8443&secret=${KEY_HEX}`);
    const url = new URL(proxyLinks('2001:db8::1', 8443, KEY_HEX).https);
    expect(url.searchParams.get('server')).toBe('2001:db8::1');
  });

  it('can emit base64url and rejects a bad port or host', () => {
    const s = parseSecret(EE_HEX);
    const url = new URL(proxyLinks('1.2.3.4', 443, s, 'base64url').https);
    expect(parseSecret(url.searchParams.get('secret')!)).toEqual(s);
    expect(() => proxyLinks('1.2.3.4', 0, s)).toThrowError(expect.objectContaining({ code: 'ERR_PROTOCOL_LINK_PORT' }));
    expect(() => proxyLinks('a b', 443, s)).toThrowError(expect.objectContaining({ code: 'ERR_PROTOCOL_LINK_HOST' }));
  });
});

describe('secret parsing never throws an untyped error', () => {
  it('on random strings and random bytes', async () => {
    const fc = (await import('fast-check')).default;
    const { parseSecretBytes } = await import('../../src/protocol/secrets.js');
    fc.assert(
      fc.property(fc.string({ maxLength: 420 }), fc.uint8Array({ maxLength: 210 }), (text, bytes) => {
        for (const attempt of [() => parseSecret(text), () => parseSecretBytes(bytes), () => parseSecret(Buffer.from(bytes).toString('hex'))]) {
          try {
            const s = attempt();
            expect(parseSecret(formatSecret(s))).toEqual(s);
          } catch (err) {
            expect(err).toBeInstanceOf(SecretError);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });
});
