/** `mtshield generate-secret` — placeholder until its owner lands it. */
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('generate-secret')
    .description('not implemented yet')
    .action(() => {
      console.error('mtshield generate-secret: not implemented yet');
      process.exitCode = 2;
    });
}
