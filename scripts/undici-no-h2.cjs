'use strict';
// Stands in for undici/lib/dispatcher/client-h2.js in the CLI bundle (scripts/build.mjs): that module loads
// node:http2 (and with it Node's HTTP/1 server and compat layers) when it is evaluated, and ocipull's dispatcher
// never offers h2 in ALPN (`allowH2: false` in src/registry/transport/dispatcher.ts), so undici never calls it.
module.exports = function connectH2() {
  throw new Error('ocipull: HTTP/2 is not part of the CLI bundle (the dispatcher sets allowH2: false)');
};
