/**
 * The benchmark measures the project's own registry (docs/contracts.md, "Kernel registry"), loaded with
 * start-up calibration on, exactly as the proxy loads it.
 */
import { loadKernels, type KernelRegistry } from '../../src/kernels/index.js';

export type BenchRegistry = KernelRegistry;

export async function loadProjectRegistry(): Promise<BenchRegistry> {
  return loadKernels({ calibrate: true });
}
