/**
 * `mtshield relay key --key-file F`: creates the relay's X25519 static key file F (mode 0600) when absent and
 * prints its public key as the last line of stdout: one base64url token, the same on every call. That token goes
 * into the other side's config (`allow` on the exit, `public_key` on the entry). See docs/protocol.md "Relay tunnel".
 */
import type { Command } from 'commander';
import { loadOrCreateKeyFile } from '../../upstream/relay/key-file.js';

export function register(program: Command): void {
  const relay = program.command('relay').description('relay tunnel (entry → exit) utilities');
  relay
    .command('key')
    .description('create the relay static key file when absent and print its public key')
    .requiredOption('--key-file <file>', 'X25519 static key file (created with mode 0600 when absent)')
    .action((flags: { keyFile: string }) => {
      try {
        const key = loadOrCreateKeyFile(flags.keyFile);
        if (key.created) console.error(`mtshield relay key: created ${flags.keyFile}`);
        console.log(key.publicKeyText);
      } catch (err) {
        console.error(`mtshield relay key: ${(err as Error).message}`);
        process.exitCode = 2;
      }
    });
}
