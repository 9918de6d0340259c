/** The test middle proxy's CBC: node:crypto (src/upstream/middle/node-cbc.ts), not the kernel registry. */
export { nodeCbc } from '../../../src/upstream/middle/node-cbc.js';
