#!/usr/bin/env -S MALLOC_TRIM_THRESHOLD_=134217728 node --max-semi-space-size=2
// Entry point: the compiled CLI lives in dist/ (built by `npm run build`, which `npm start`/`npm test` run first).
import('../dist/src/cli/index.js').then((m) => m.main(process.argv)).catch((err) => {
  console.error(err && err.message ? err.message : err);
  process.exit(1);
});
