/** `mtshield audit` — placeholder until its owner lands it. */
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('audit')
    .description('not implemented yet')
    .action(() => {
      console.error('mtshield audit: not implemented yet');
      process.exitCode = 2;
    });
}
