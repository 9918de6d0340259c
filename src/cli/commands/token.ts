/**
 * `mtshield token create --level L [--expires T] [--name N] [--json]`: prints a fresh admin token once and
 * the `[[admin.tokens]]` block (with the token's SHA-256) to paste into the config. The whole text output is
 * valid TOML: the token itself sits on a comment line (`# token: mts_…`), so the block can be appended to the
 * config as printed without the token ever landing in the file. The token is never written anywhere else.
 */
import type { Command } from 'commander';
import { adminTokenLevels, type AdminTokenLevel } from '../../config/index.js';
import { generateAdminToken, tokenTomlBlock } from '../../security/credentials/tokens.js';
import { parseDuration } from '../../vocabulary/index.js';

function parseLevelOption(text: string): AdminTokenLevel {
  const level = text.toLowerCase().replace('-', '_');
  if (!(adminTokenLevels as readonly string[]).includes(level)) {
    throw new Error(`--level must be one of ${adminTokenLevels.join(' | ')}, got "${text}"`);
  }
  return level as AdminTokenLevel;
}

/** "90d", "12h", "3600" (seconds) from now, or an RFC 3339 date-time; must lie in the future. */
export function parseExpiry(text: string, now = Date.now()): number {
  const relative = /^\d/.test(text) && !/^\d{4}-\d{2}-\d{2}/.test(text) ? parseDuration(text) : undefined;
  const at = relative !== undefined ? now + relative : Date.parse(text);
  if (!Number.isFinite(at)) throw new Error(`--expires: "${text}" is neither a duration ("90d") nor a date-time`);
  if (at <= now) throw new Error(`--expires: "${text}" is not in the future`);
  return Math.floor(at / 1000) * 1000;
}

export function register(program: Command): void {
  const token = program.command('token').description('admin API tokens');
  token
    .command('create')
    .description('print a fresh admin token (shown once) and its [[admin.tokens]] config block')
    .requiredOption('-l, --level <level>', `access level: ${adminTokenLevels.join(' | ')}`)
    .option('-e, --expires <when>', 'expiry: a duration from now ("90d") or an RFC 3339 date-time')
    .option('-n, --name <name>', 'a name for the token (appears in the audit log)')
    .option('--json', 'print JSON instead of TOML')
    .action((options: { level: string; expires?: string; name?: string; json?: boolean }) => {
      try {
        const level = parseLevelOption(options.level);
        const expires = options.expires === undefined ? undefined : parseExpiry(options.expires);
        const name = options.name ?? `${level}-${new Date().toISOString().slice(0, 10)}`;
        if (!/^[A-Za-z0-9_.@-]{1,64}$/.test(name)) throw new Error('--name: 1–64 of A-Z a-z 0-9 _ . @ -');
        const { token: value, sha256 } = generateAdminToken();
        const block = tokenTomlBlock(name, level, sha256, expires) + '\n';
        if (options.json) {
          const expiresText = expires === undefined ? undefined : new Date(expires).toISOString().replace('.000Z', 'Z');
          process.stdout.write(JSON.stringify({ token: value, name, level, sha256, expires: expiresText, toml: block }, null, 2) + '\n');
          return;
        }
        process.stdout.write(
          `# mtshield admin token "${name}" (${level}). It is shown only this once; the config keeps its SHA-256.\n` +
            `# token: ${value}\n` +
            block,
        );
      } catch (err) {
        console.error(`mtshield token create: ${(err as Error).message}`);
        process.exitCode = 2;
      }
    });
}
