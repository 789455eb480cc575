#!/usr/bin/env node
'use strict';
// CommonJS (bin/package.json says so): Node starts a CommonJS entry ~6 ms sooner than an ES module, which was most
// of what `ocipull --version` cost over `node -e 0`. Everything else starts in dist/cli/boot.cjs.
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  // What commander prints, without loading it; 141 when the reader already left, as for every other command.
  process.stdout.on('error', (err) => {
    if (err.code !== 'EPIPE') throw err;
    process.exitCode = 141;
  });
  process.stdout.write(`${require('../package.json').version}\n`);
} else {
  // dist/cli/boot.cjs (src/cli/boot.ts): signals, V8 flags, and the CLI bundle with its code cache.
  require('../dist/cli/boot.cjs')
    .start(argv)
    .then((code) => {
      process.exitCode = code;
    });
}
