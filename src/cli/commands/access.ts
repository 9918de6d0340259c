/**
 * `mtshield access [--config FILE] [--qr]`: each user's tg:// and https://t.me/proxy links, optionally
 * with a QR code drawn in the terminal (rendered locally: a QR web service would see the secret).
 */
import type { Command } from 'commander';
import qrcode from 'qrcode-terminal';
import { userLinks } from '../../config/links.js';
import { configFromFlags } from '../../config/from-flags.js';

export function register(program: Command): void {
  program
    .command('access')
    .description("print each user's proxy links (tg:// and https://t.me/proxy)")
    .option('-c, --config <file>', 'TOML config file (default: the embedded defaults)')
    .option('--state-dir <dir>', 'state directory when running on defaults', undefined)
    .option('--host <host>', 'host to put in the links (default: server.public_host or a local address)')
    .option('--qr', 'draw a QR code for each tg:// link')
    .action((flags: { config?: string; stateDir?: string; host?: string; qr?: boolean }) => {
      try {
        const { config, generated } = configFromFlags(flags);
        // On defaults with no state yet, the secret is made now and kept: `run` will serve these same links.
        if (generated) console.error('mtshield access: generated a new fake-TLS secret (kept in the state dir for `mtshield run`)');
        const links = userLinks(config, undefined, flags.host);
        if (links.length === 0) console.error('mtshield access: no enabled users in the config');
        for (const link of links) {
          console.log(`${link.user}:`);
          console.log(`  ${link.tg}`);
          console.log(`  ${link.https}`);
          if (flags.qr) qrcode.generate(link.tg, { small: true }, (art) => console.log(art));
        }
      } catch (err) {
        console.error(`mtshield access: ${(err as Error).message}`);
        process.exitCode = 2;
      }
    });
}
