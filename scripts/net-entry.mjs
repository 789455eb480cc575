// The CLI's network dependencies as one CommonJS chunk, dist/cli/net.cjs, which src/cli/code-cache.ts loads
// through vm.Script with a V8 code cache (Node 20 has no module compile cache): the slim undici and zod, about
// 1.5 MB of JS that every network command would otherwise compile and lazily re-compile on each run.
import undici from './undici-slim.cjs';

export { z } from 'zod';
export { undici };
