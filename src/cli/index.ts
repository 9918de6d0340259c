/**
 * The `mtshield` command line. Each command lives in src/cli/commands/<name>.ts and exports
 * `register(program)`, so commands stay small and independent.
 */
import { Command } from 'commander';
import { register as registerRun } from './commands/run.js';
import { register as registerGenerateSecret } from './commands/generate-secret.js';
import { register as registerAccess } from './commands/access.js';
import { register as registerBench } from './commands/bench.js';
import { register as registerKernels } from './commands/kernels.js';
import { register as registerAudit } from './commands/audit.js';
import { register as registerToken } from './commands/token.js';
import { register as registerDoctor } from './commands/doctor.js';
import { register as registerRelay } from './commands/relay.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('mtshield')
    .description('MTProxy-compatible Telegram proxy with WebAssembly crypto kernels and a security layer')
    .version('0.1.0');
  for (const register of [
    registerRun,
    registerGenerateSecret,
    registerAccess,
    registerBench,
    registerKernels,
    registerAudit,
    registerToken,
    registerDoctor,
    registerRelay,
  ]) {
    register(program);
  }
  return program;
}

export async function main(argv: string[]): Promise<void> {
  await buildProgram().parseAsync(argv);
}
