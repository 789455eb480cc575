// Stands in for `undici` in the CLI's ES module bundle (scripts/build.mjs): the values come from the network chunk
// (dist/cli/net.cjs, see src/cli/code-cache.ts). An import of any other name fails the build.
import { netChunk } from '../src/cli/code-cache.ts';

export const { Agent, Dispatcher, EnvHttpProxyAgent, interceptors, request } = netChunk().undici;
