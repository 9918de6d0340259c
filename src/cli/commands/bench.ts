/** `mtshield bench` — placeholder until its owner lands it. */
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('bench')
    .description('not implemented yet')
    .action(() => {
      console.error('mtshield bench: not implemented yet');
      process.exitCode = 2;
    });
}
