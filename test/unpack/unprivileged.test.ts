/**
 * The unpack suites again, as an unprivileged user (uid 65534 via `setpriv`), when this run is root: that is
 * where rootless mode is forced on, `chown`/`mknod` are impossible and read-only directories really refuse
 * writes (root bypasses permission bits, so the root run cannot see those failures).
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasTool, isCi } from '../helpers/tools.js';

const isRoot = process.getuid?.() === 0;
const suites = ['whiteouts', 'hostile', 'unpack-image'].map((name) => `test/unpack/${name}.test.ts`);
const canDrop = isRoot && hasTool('setpriv');
if (isRoot && !canDrop) {
  const message = 'setpriv (util-linux) not found: cannot re-run the unpack tests unprivileged';
  if (isCi()) throw new Error(message);
  console.warn(`\n!!! SKIPPING the unprivileged unpack run: ${message}\n`);
}

describe.skipIf(!canDrop)('unpack as an unprivileged user', () => {
  it('passes the whiteout, hostile-layer and image suites as uid 65534', async () => {
    const repo = resolve(import.meta.dirname, '../..');
    const { code, output } = await new Promise<{ code: number; output: string }>((done) => {
      execFile(
        'setpriv',
        [
          '--reuid=65534',
          '--regid=65534',
          '--clear-groups',
          process.execPath,
          'node_modules/vitest/vitest.mjs',
          'run',
          // The default config loader bundles vitest.config.ts into node_modules/, which uid 65534 cannot write.
          '--configLoader',
          'runner',
          ...suites,
        ],
        {
          cwd: repo,
          encoding: 'utf8',
          timeout: 120_000,
          maxBuffer: 16 * 1024 * 1024,
          env: { PATH: process.env.PATH, HOME: '/tmp', NO_COLOR: '1', CI: process.env.CI },
        },
        (err, stdout, stderr) =>
          done({ code: err ? Number(err.code ?? 1) : 0, output: `${stdout}\n${stderr}` }),
      );
    });
    expect(code, output).toBe(0);
    expect(output).toMatch(/Test Files\s+3 passed/);
  }, 150_000);
});
