/**
 * The library from the outside (issue 13): the packed tarball installed into a temporary project, then used from an
 * ES module, from CommonJS through require(), from TypeScript with `tsc --strict`, and bundled into one file with
 * esbuild, each in a child process that pulls from the in-process fault registry. The child's stdout and stderr
 * must hold only what the script printed: the library itself writes nothing.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pull as pullFromSources } from '../../src/index.js';
import { FaultRegistry } from '../fakes/fault-registry.js';
import { addImage } from '../fakes/image.js';
import { readBlob, readIndexJson } from '../fakes/layout.js';
import { type SeededFixtures, seedFixtures } from '../helpers/push.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { describeWithTools } from '../helpers/tools.js';
import { pseudoRandomBytes, StallingBlob } from '../pull/process-helpers.js';

const ROOT = resolve(import.meta.dirname, '../..');
const STALL_AFTER = 64 * 1024;
const BIG = pseudoRandomBytes(1024 * 1024, 'ocipull-library');

let work: string;
let project: string;
let reg: FaultRegistry;
let stall: StallingBlob;
let env: Record<string, string>;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command asynchronously (the registry answering it lives in this process), failing after `timeoutMs`. */
function run(
  cmd: string,
  args: string[],
  opts: { cwd: string; env?: Record<string, string> },
  timeoutMs = 20_000,
) {
  return new Promise<Ran>((done, fail) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${cmd} ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.once('error', fail);
    child.once('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

const node = (script: string, args: string[] = []) =>
  run(process.execPath, [script, ...args], { cwd: project });

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist/index.js')) || !existsSync(join(ROOT, 'dist/index.d.ts'))) {
    const built = await run(
      'npm',
      ['run', 'build'],
      { cwd: ROOT, env: process.env as Record<string, string> },
      90_000,
    );
    if (built.code !== 0) throw new Error(`npm run build failed: ${built.stderr}`);
  }
  work = await mkdtemp(join(tmpdir(), 'ocipull-library-'));
  project = join(work, 'project');
  const home = join(work, 'home');
  await mkdir(project);
  await mkdir(home);
  env = {
    HOME: home,
    DOCKER_CONFIG: join(home, '.docker'),
    XDG_RUNTIME_DIR: join(home, 'run'),
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    // npm's own cache, so the install below is served from it (the registry only when something is missing).
    npm_config_cache: process.env.npm_config_cache ?? join(process.env.HOME ?? '/root', '.npm'),
  };
  const packed = await run(
    'npm',
    ['pack', '--ignore-scripts', '--pack-destination', work],
    { cwd: ROOT, env: { ...env, HOME: process.env.HOME ?? home } },
    60_000,
  );
  expect(packed.code, packed.stderr).toBe(0);
  const tarball = join(work, packed.stdout.trim().split('\n').pop()!);
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  const installed = await run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', tarball],
    { cwd: project },
    90_000,
  );
  expect(installed.code, installed.stderr).toBe(0);
  // The consumer's own @types/node, as any TypeScript project on Node has.
  await mkdir(join(project, 'node_modules/@types'), { recursive: true });
  await symlink(join(ROOT, 'node_modules/@types/node'), join(project, 'node_modules/@types/node'));

  reg = await FaultRegistry.start();
  addImage(reg, 'team/app', 'v1');
  const big = reg.addBlob('team/big', BIG);
  addImage(reg, 'team/big', 'v1', { layers: [BIG] });
  stall = new StallingBlob(big.digest, BIG, STALL_AFTER).install(reg);
}, 120_000);

afterAll(async () => {
  stall?.destroy();
  await reg?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the packed ocipull package', () => {
  it('lists bin, dist with types, README and the licence, and nothing else', async () => {
    const names = await readdir(join(project, 'node_modules/ocipull'));
    expect(names.sort()).toEqual(['LICENSE', 'README.md', 'bin', 'dist', 'package.json']);
    const dist = await readdir(join(project, 'node_modules/ocipull/dist'));
    expect(dist).toEqual(expect.arrayContaining(['index.js', 'index.d.ts', 'cli']));
  });

  it('(a, e) an ES module pulls; the library prints nothing; progress runs resolved … index-updated', async () => {
    const script = join(project, 'pull.mjs');
    await writeFile(
      script,
      `import { pull } from 'ocipull';
const events = [];
const r = await pull(process.argv[2], process.argv[3], { onProgress: (e) => events.push(e.type) });
console.log(JSON.stringify({ result: r, events }));
`,
    );
    const dest = join(work, 'esm-layout');
    const r = await node(script, [`${reg.host}/team/app:v1`, dest]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    const { result, events } = JSON.parse(lines[0]!);
    expect(result).toMatchObject({
      dest,
      name: 'v1',
      layers: 1,
      format: 'oci',
      blobs: { downloaded: 2, reused: 0 },
    });
    expect(result.reference).toBe(`${reg.host}/team/app:v1`);
    expect(events[0]).toBe('resolved');
    expect(events.at(-1)).toBe('index-updated');
    expect(events).toContain('blob-done');
    expect((await readIndexJson(dest)).manifests).toHaveLength(1);
  });

  it('(b) CommonJS require() works; errors carry codes; a throwing onProgress is reported once', async () => {
    const script = join(project, 'pull.cjs');
    await writeFile(
      script,
      `const { pull, inspect, OcipullError } = require('ocipull');
(async () => {
  const warnings = [];
  const r = await pull(process.argv[2], process.argv[3], {
    onProgress: () => { throw new Error('boom'); },
    onWarning: (w) => warnings.push(w),
  });
  const i = await inspect(process.argv[2]);
  const err = await inspect(process.argv[2].replace(':v1', ':nope')).catch((e) => e);
  console.log(JSON.stringify({ digest: r.digest, inspected: i.digest, warnings,
    error: { code: err.code, isOcipull: err instanceof OcipullError } }));
})();
`,
    );
    const r = await node(script, [`${reg.host}/team/app:v1`, join(work, 'cjs-layout')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.digest).toMatch(/^sha256:/);
    expect(out.inspected).toBe(out.digest);
    expect(out.warnings).toHaveLength(1);
    expect(out.warnings[0]).toMatch(/onProgress threw.*boom/);
    expect(out.error).toEqual({ code: 'E_MANIFEST_UNKNOWN', isOcipull: true });
  });

  it('(c) a TypeScript consumer type-checks with tsc --strict', async () => {
    await writeFile(
      join(project, 'use.ts'),
      `import { type ErrorCode, OcipullError, type ProgressEvent, type PullResult, parseReference, pull, resolveDigest } from 'ocipull';
export async function main(signal: AbortSignal): Promise<string> {
  const ref = parseReference('debian:12');
  const seen: ProgressEvent['type'][] = [];
  try {
    const r: PullResult = await pull(\`\${ref.domain}/\${ref.path}:\${ref.tag}\`, './debian', {
      platform: 'linux/arm64', jobs: 2, retries: 1, signal, credentials: (registry) => registry === 'ghcr.io' ? { username: 'u', password: 'p' } : undefined,
      onProgress: (e) => { seen.push(e.type); if (e.type === 'blob-done') e.downloaded.toFixed(); },
    });
    const d = await resolveDigest('debian:12', { env: {} });
    return r.digest + d.fullRef;
  } catch (err) {
    if (err instanceof OcipullError) { const code: ErrorCode = err.code; return code; }
    throw err;
  }
}
// @ts-expect-error: not an option
pull('x', 'y', { platfrom: 'linux/amd64' });
`,
    );
    await writeFile(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          types: ['node'],
          noEmit: true,
        },
        files: ['use.ts'],
      }),
    );
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const r = await run(
      process.execPath,
      [tsc, '-p', 'tsconfig.json', '--strict', '--noEmit'],
      { cwd: project },
      30_000,
    );
    expect(r.stdout + r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('(c, oldest tsc) the declarations compile with TypeScript 5.4, the oldest supported (zod uses NoInfer)', async () => {
    // An ES module consumer (.mts): before 5.8, tsc refuses a CommonJS file importing an ES-only package.
    await writeFile(
      join(project, 'old.mts'),
      `import { type LayoutVerifyResult, type LockResult, OcipullError, pull, lock, verify, type VerifyResult } from 'ocipull';
export async function main(): Promise<string> {
  try {
    const l: LockResult = await lock(['debian:12'], { file: 'x.lock', platforms: ['linux/amd64'], update: true });
    const v: VerifyResult = await verify({ file: 'x.lock', retries: 1 });
    const lv: LayoutVerifyResult = await verify({ file: 'x.lock', layout: './layout' });
    const r = await pull('debian:12', './debian', { platform: 'linux/arm64' });
    return \`\${l.pulls}\${v.drift}\${lv.layout}\${r.digest}\`;
  } catch (err) {
    return err instanceof OcipullError ? err.code : 'other';
  }
}
`,
    );
    await writeFile(
      join(project, 'tsconfig.old.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          types: ['node'],
          noEmit: true,
        },
        files: ['old.mts'],
      }),
    );
    const r = await run(
      'npx',
      ['-y', '-p', 'typescript@5.4', 'tsc', '-p', 'tsconfig.old.json'],
      { cwd: project },
      120_000,
    );
    expect(r.stdout + r.stderr).toBe('');
    expect(r.code).toBe(0);
  }, 130_000);

  it('(d) aborting through the signal rejects with E_INTERRUPTED and leaves a resumable layout', async () => {
    const layer = stall.digest;
    const script = join(project, 'abort.mjs');
    await writeFile(
      script,
      `import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pull } from 'ocipull';
const [ref, dest, layer, want] = process.argv.slice(2);
const partial = join(dest, 'blobs', 'sha256', '.' + layer.slice(7) + '.' + process.pid + '.partial');
const ac = new AbortController();
let waiting = false;
const err = await pull(ref, dest, {
  signal: ac.signal,
  onProgress: async (e) => {
    if (e.type !== 'blob-progress' || e.digest !== layer || waiting) return;
    waiting = true;
    while (((await stat(partial).catch(() => undefined))?.size ?? 0) < Number(want)) await new Promise((r) => setTimeout(r, 10));
    ac.abort(new Error('stop'));
  },
}).then(() => null, (e) => e);
console.log(JSON.stringify({ code: err?.code, name: err?.name, partial: (await stat(partial)).size }));
`,
    );
    const dest = join(work, 'abort-layout');
    const ref = `${reg.host}/team/big:v1`;
    const r = await node(script, [ref, dest, layer, String(STALL_AFTER)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      code: 'E_INTERRUPTED',
      name: 'OcipullError',
      partial: STALL_AFTER,
    });
    expect((await readIndexJson(dest)).manifests).toEqual([]);
    await expect(stat(join(dest, 'blobs/sha256', layer.slice(7)))).rejects.toThrow(/ENOENT/);

    // The next pull adopts the partial file and asks only for the rest.
    stall.stalling = false;
    stall.destroy();
    const before = reg.requestsTo(`/blobs/${layer}`).length;
    const again = await pullFromSources(ref, dest, { env });
    expect(again.blobs.downloaded).toBeGreaterThan(0);
    const resumed = reg.requestsTo(`/blobs/${layer}`).slice(before);
    expect(resumed.map((q) => q.headers.range)).toEqual([`bytes=${STALL_AFTER}-`]);
    expect((await readBlob(dest, layer)).equals(BIG)).toBe(true);
  });

  it("(g) an ES module locks and verifies; results are the commands' --json objects", async () => {
    const script = join(project, 'lock.mjs');
    await writeFile(
      script,
      `import { lock, verify } from 'ocipull';
const [ref, file] = process.argv.slice(2);
const l = await lock([ref], { file });
const v = await verify({ file });
console.log(JSON.stringify({ l, v }));
`,
    );
    const file = join(work, 'esm.lock');
    const ref = `${reg.host}/team/app:v1`;
    const r = await node(script, [ref, file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { l, v } = JSON.parse(r.stdout);
    expect(l).toMatchObject({ file, written: true, pulls: 1, images: [{ reference: ref, status: 'added' }] });
    expect(v).toMatchObject({
      file,
      pulls: 0,
      drift: false,
      errors: false,
      images: [{ status: 'unchanged' }],
    });
    expect(JSON.parse(await readFile(file, 'utf8')).images[ref].digest).toBe(l.images[0].digest);
  });

  it('(f) esbuild bundles a script importing ocipull into one file that still runs', async () => {
    const entry = join(project, 'action.mjs');
    await writeFile(
      entry,
      `import { pull, resolveDigest } from 'ocipull';
const { digest } = await resolveDigest(process.argv[2]);
const r = await pull(process.argv[2], process.argv[3]);
console.log(digest === r.digest ? digest : 'mismatch');
`,
    );
    const bundleDir = join(work, 'bundle');
    await mkdir(bundleDir);
    const outfile = join(bundleDir, 'index.mjs');
    await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      // undici is CommonJS and requires Node built-ins: what every ESM action bundle adds.
      banner: {
        js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
      logLevel: 'silent',
    });
    // Run it where no node_modules can be found: everything it needs is in the one file.
    const r = await run(
      process.execPath,
      [outfile, `${reg.host}/team/app:v1`, join(work, 'bundled-layout')],
      { cwd: bundleDir },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await readFile(outfile, 'utf8')).includes("from 'ocipull'")).toBe(false);
  });
});

describeWithTools(
  ['docker-registry'],
  'the packed package against the real registry (distribution 2.8)',
  () => {
    let real: TestRegistry;
    let fixtures: SeededFixtures;
    beforeAll(async () => {
      real = await startRegistry();
      fixtures = await seedFixtures(real);
    }, 60_000);
    afterAll(async () => {
      await real?.stop();
    });

    it('an ES module and a CommonJS script pull an OCI index and a Docker image, printing nothing of their own', async () => {
      const esm = join(project, 'real.mjs');
      await writeFile(
        esm,
        `import { pull } from 'ocipull';
const r = await pull(process.argv[2], process.argv[3], { platform: 'linux/arm64' });
console.log(JSON.stringify(r));
`,
      );
      const cjs = join(project, 'real.cjs');
      await writeFile(
        cjs,
        `const { pull } = require('ocipull');
pull(process.argv[2], process.argv[3]).then((r) => console.log(JSON.stringify(r)));
`,
      );
      const a = await node(esm, [fixtures.multiOci.reference, join(work, 'real-esm')]);
      expect(a.stderr).toBe('');
      expect(a.code).toBe(0);
      expect(JSON.parse(a.stdout)).toMatchObject({
        digest: fixtures.multiOci.digest,
        platforms: ['linux/arm64/v8'],
      });
      const b = await node(cjs, [fixtures.dockerImage.reference, join(work, 'real-cjs')]);
      expect(b.stderr).toBe('');
      expect(b.code).toBe(0);
      expect(JSON.parse(b.stdout)).toMatchObject({ digest: fixtures.dockerImage.digest, layers: 2 });
    });
  },
);
