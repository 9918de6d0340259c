/** `mtshield token` — placeholder until its owner lands it. */
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('token')
    .description('not implemented yet')
    .action(() => {
      console.error('mtshield token: not implemented yet');
      process.exitCode = 2;
    });
}
