/**
 * `mtshield generate-secret [--mode ee|dd|plain] [--domain D] [--encoding hex|base64url]`: prints a new
 * secret (hex by default: base64 ee links break some clients) and nothing else, so it can be captured.
 */
import type { Command } from 'commander';
import { DEFAULTS } from '../../config/defaults.js';
import { formatSecret, generateSecret } from '../../protocol/secrets.js';
import { isSecretMode } from '../../vocabulary/index.js';

export function register(program: Command): void {
  program
    .command('generate-secret')
    .description('print a new proxy secret (fake-TLS "ee" by default)')
    .option('--mode <mode>', 'ee (fake TLS), dd (padded) or plain', 'ee')
    .option('--domain <domain>', 'the site a fake-TLS secret imitates (its SNI)', DEFAULTS.generatedSecretDomain)
    .option('--encoding <encoding>', 'hex or base64url', 'hex')
    .action((flags: { mode: string; domain: string; encoding: string }) => {
      if (!isSecretMode(flags.mode)) {
        console.error(`mtshield generate-secret: --mode must be ee, dd or plain (got "${flags.mode}")`);
        process.exitCode = 2;
        return;
      }
      if (flags.encoding !== 'hex' && flags.encoding !== 'base64url') {
        console.error(`mtshield generate-secret: --encoding must be hex or base64url`);
        process.exitCode = 2;
        return;
      }
      try {
        const secret = generateSecret(flags.mode, flags.mode === 'ee' ? flags.domain : undefined);
        console.log(formatSecret(secret, flags.encoding));
      } catch (err) {
        console.error(`mtshield generate-secret: ${(err as Error).message}`);
        process.exitCode = 2;
      }
    });
}
