import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../fakes/scope.js';

/** Issue 11 items 14 (CI's closing line) and 15 (Node versions). */

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

async function summary(reportFile: string) {
  try {
    const { stdout } = await run(process.execPath, [join(root, '.ci/summary.mjs'), reportFile]);
    return { code: 0, stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, stdout: e.stdout };
  }
}

describe('CI closing line (item 14)', () => {
  it('prints vitest’s own counts from a real JSON report', async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir, 'sample.test.mjs'),
      "test('a', () => {});\ntest('b', () => {});\ntest.skip('c', () => {});\ntest('d', () => { throw new Error('no'); });\n",
    );
    const report = join(dir, 'vitest.json');
    const vitest = join(root, 'node_modules/vitest/vitest.mjs');
    const args = ['run', '--root', dir, '--globals', '--reporter=json', `--outputFile.json=${report}`];
    await expect(run(process.execPath, [vitest, ...args], { cwd: dir })).rejects.toMatchObject({ code: 1 });
    expect(await summary(report)).toEqual({ code: 0, stdout: '2 passed, 1 failed, 1 skipped\n' });
  }, 60_000);

  it('counts skipped and todo tests, and exits 1 when no test ran or there is no report', async () => {
    const dir = await tempDir();
    const report = join(dir, 'r.json');
    const base = {
      numPassedTests: 5,
      numFailedTests: 2,
      numPendingTests: 3,
      numTodoTests: 1,
      testResults: [],
    };
    await writeFile(report, JSON.stringify(base));
    expect(await summary(report)).toEqual({ code: 0, stdout: '5 passed, 2 failed, 4 skipped\n' });
    await writeFile(report, JSON.stringify({ ...base, numPassedTests: 0, numFailedTests: 0 }));
    expect(await summary(report)).toEqual({ code: 1, stdout: '0 passed, 0 failed, 4 skipped\n' });
    const missing = await summary(join(dir, 'missing.json'));
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/^0 passed, 0 failed, 0 skipped \(no vitest report at .*ENOENT\)\n$/);
  });

  it('is the last thing .ci/run does, after npm test with the JSON reporter (npm test stays the command)', async () => {
    const script = await readFile(join(root, '.ci/run'), 'utf8');
    const lines = script.trim().split('\n');
    expect(lines.find((l) => l.startsWith('npm test'))).toMatch(
      /^npm test -- --reporter=default --reporter=json --outputFile\.json="\$report"/,
    );
    expect(lines.at(-2)).toMatch(/^node \.ci\/summary\.mjs "\$report"/);
    expect(lines.at(-1)).toBe('exit "$status"');
    const readme = await readFile(join(root, 'README.md'), 'utf8');
    expect(readme).toContain('```sh\nbash .ci/run\n```');
    expect(JSON.parse(await readFile(join(root, 'package.json'), 'utf8')).scripts.test).toMatch(
      /vitest run$/,
    );
  });
});

describe('Node versions (item 15)', () => {
  it('CI runs Node 20, 22 and 24, and the README says what is supported', async () => {
    const workflow = await readFile(join(root, '.github/workflows/ci.yml'), 'utf8');
    expect(workflow).toMatch(/^\s+node: \[20, 22, 24\]$/m);
    const readme = await readFile(join(root, 'README.md'), 'utf8');
    expect(readme).toContain('Supported and tested in CI: Node.js 20, 22 and 24');
    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
    expect(readme).toContain(`Node.js ${pkg.engines.node.replace('>=', '')} or newer`);
  });
});
