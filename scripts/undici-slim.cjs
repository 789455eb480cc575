'use strict';
// The parts of undici the CLI uses, for the CLI bundle only (scripts/build.mjs aliases `undici` to this file;
// the library build keeps the real package). undici's index.js also evaluates fetch, WebSocket, EventSource,
// the cache stores and the cookie helpers; lib/web/cookies touches globalThis.Headers, which makes Node load its
// *own* bundled undici too, and client-h2.js loads node:http2 although ocipull never allows h2. Skipping them
// saves ~20 ms of start-up on every network command (see the README's Benchmark section).
//
// These are internal paths of undici, not its semver surface: package.json pins undici's minor version, and
// test/cli/built-bundle.test.ts runs the built CLI against a real registry. The code below mirrors undici
// 7.30's index.js (makeDispatcher and the Dispatcher.prototype assignment) line for line.
const Dispatcher = require('undici/lib/dispatcher/dispatcher');
const Agent = require('undici/lib/dispatcher/agent');
const EnvHttpProxyAgent = require('undici/lib/dispatcher/env-http-proxy-agent');
const api = require('undici/lib/api');
const util = require('undici/lib/core/util');
const { InvalidArgumentError } = require('undici/lib/core/errors');
const { getGlobalDispatcher } = require('undici/lib/global');

// request(), stream(), connect() … as Dispatcher methods: ProxyAgent opens its tunnels with `client.connect()`.
Object.assign(Dispatcher.prototype, api);

module.exports.Dispatcher = Dispatcher;
module.exports.Agent = Agent;
module.exports.EnvHttpProxyAgent = EnvHttpProxyAgent;
module.exports.interceptors = { redirect: require('undici/lib/interceptor/redirect') };

function makeDispatcher(fn) {
  return (url, opts, handler) => {
    if (typeof opts === 'function') {
      handler = opts;
      opts = null;
    }

    if (!url || (typeof url !== 'string' && typeof url !== 'object' && !(url instanceof URL))) {
      throw new InvalidArgumentError('invalid url');
    }

    if (opts != null && typeof opts !== 'object') {
      throw new InvalidArgumentError('invalid opts');
    }

    if (opts && opts.path != null) {
      if (typeof opts.path !== 'string') {
        throw new InvalidArgumentError('invalid opts.path');
      }

      let path = opts.path;
      if (!opts.path.startsWith('/')) {
        path = `/${path}`;
      }

      url = new URL(util.parseOrigin(url).origin + path);
    } else {
      if (!opts) {
        opts = typeof url === 'object' ? url : {};
      }

      url = util.parseURL(url);
    }

    const { agent, dispatcher = getGlobalDispatcher() } = opts;

    if (agent) {
      throw new InvalidArgumentError('unsupported opts.agent. Did you mean opts.client?');
    }

    return fn.call(
      dispatcher,
      {
        ...opts,
        origin: url.origin,
        path: url.search ? `${url.pathname}${url.search}` : url.pathname,
        method: opts.method || (opts.body ? 'PUT' : 'GET'),
      },
      handler,
    );
  };
}

module.exports.request = makeDispatcher(api.request);
