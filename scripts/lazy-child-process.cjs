'use strict';
// Stands in for node:child_process in commander, in the CLI bundle only (scripts/build.mjs): commander requires it
// when it loads, for executable subcommands (`childProcess.spawn`), which ocipull has none of. Loading the real
// module (and dgram, net's socket list, …) costs every command ~1 ms; this loads it on first use instead.
module.exports = {
  get spawn() {
    return require('node:child_process').spawn;
  },
};
