/** `mtshield run` — placeholder until its owner lands it. */
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('run')
    .description('not implemented yet')
    .action(() => {
      console.error('mtshield run: not implemented yet');
      process.exitCode = 2;
    });
}
