/**
 * The three kinds of MTProxy secret (docs/protocol.md, "Secrets"; https://core.telegram.org/mtproto/mtproto-transports):
 * `plain` (16 bytes, obfuscated2), `dd` (0xdd + 16 bytes: obfuscated2, padded intermediate only) and `ee`
 * (0xee + 16 bytes + domain: fake TLS).
 */
export const SECRET_MODES = ['plain', 'dd', 'ee'] as const;
export type SecretMode = (typeof SECRET_MODES)[number];

export function isSecretMode(value: unknown): value is SecretMode {
  return typeof value === 'string' && (SECRET_MODES as readonly string[]).includes(value);
}
