/** `mtshield kernels` — placeholder until its owner lands it. */
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('kernels')
    .description('not implemented yet')
    .action(() => {
      console.error('mtshield kernels: not implemented yet');
      process.exitCode = 2;
    });
}
