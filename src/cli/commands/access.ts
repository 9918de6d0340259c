/** `mtshield access` — placeholder until its owner lands it. */
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('access')
    .description('not implemented yet')
    .action(() => {
      console.error('mtshield access: not implemented yet');
      process.exitCode = 2;
    });
}
