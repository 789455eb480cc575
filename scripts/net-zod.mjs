// Stands in for `zod` in the CLI's ES module bundle (scripts/build.mjs): `z` comes from the network chunk
// (dist/cli/net.cjs, see src/cli/code-cache.ts). An import of any other name fails the build.
import { netChunk } from '../src/cli/code-cache.ts';

export const { z } = netChunk();
