/** `mtshield doctor` — placeholder until its owner lands it. */
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('doctor')
    .description('not implemented yet')
    .action(() => {
      console.error('mtshield doctor: not implemented yet');
      process.exitCode = 2;
    });
}
