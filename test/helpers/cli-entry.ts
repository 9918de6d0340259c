/** Runs the CLI from source (tests spawn it with `node --import tsx`, so no build is needed). */
import { main } from '../../src/cli/index.js';

await main(process.argv);
