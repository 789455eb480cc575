import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/capture.js';
import { addImage, addIndex } from '../fakes/image.js';
import { readIndexJson } from '../fakes/layout.js';
import { faultRegistry, isolatedEnv, tempDir } from '../fakes/scope.js';

/**
 * Destinations a pull must refuse before it downloads or creates anything (issue 11, items 3, 4, 8, 19 and the
 * --name check of 20), and odd but valid ones it must accept.
 */

async function pull(args: string[]) {
  return runCli(['pull', '--progress=none', '--retries', '0', ...args], { env: await isolatedEnv() });
}

/** Every file under `dir` with a hash of its content, to show that nothing in it changed. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string, rel: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        out[`${rel}${e.name}/`] = 'dir';
        await walk(p, `${rel}${e.name}/`);
      } else {
        out[rel + e.name] = createHash('sha256')
          .update(await readFile(p))
          .digest('hex');
      }
    }
  };
  await walk(dir, '');
  return out;
}

describe('pull: impossible destinations fail fast with exit 8', () => {
  it('a path under /proc fails at once, without contacting the registry', async () => {
    const reg = await faultRegistry();
    addImage(reg, 'team/app', 'v1');
    // Load the command's modules first: the bound is on the check, not on the first import of the copy engine.
    expect((await pull(['--name', '', `${reg.host}/team/app:v1`, '/proc/nope/x'])).code).toBe(2);
    const started = Date.now();
    const r = await pull([`${reg.host}/team/app:v1`, '/proc/nope/x']);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(r.code).toBe(8);
    expect(r.stderr).toContain('/proc/nope/x');
    expect(r.stderr).toMatch(/cannot create a directory in \/proc: no such file or directory/);
    expect(reg.requests).toEqual([]);
  });

  it('a destination that is a file, or lies under one, is refused in words', async () => {
    const reg = await faultRegistry();
    addImage(reg, 'team/app', 'v1');
    const base = await tempDir();
    const file = join(base, 'file');
    await writeFile(file, 'not a directory\n');
    const direct = await pull([`${reg.host}/team/app:v1`, file]);
    expect(direct.code).toBe(8);
    expect(direct.stderr).toContain('not a directory (it is a file)');
    const under = await pull([`${reg.host}/team/app:v1`, join(file, 'sub', 'x')]);
    expect(under.code).toBe(8);
    expect(under.stderr).toContain(`not a directory (${file} is a file)`);
    expect(`${direct.stderr}${under.stderr}`).not.toMatch(/\bE[A-Z]{3,}\b/);
    expect(await readFile(file, 'utf8')).toBe('not a directory\n');
    expect(reg.requests).toEqual([]);
  });

  it('an archive into a directory, or into a missing directory, is refused before the download', async () => {
    const reg = await faultRegistry();
    addImage(reg, 'team/app', 'v1');
    const base = await tempDir();
    const asDir = await pull(['--format', 'oci-archive', `${reg.host}/team/app:v1`, base]);
    expect(asDir.code).toBe(8);
    expect(asDir.stderr).toContain('is a directory');
    const missing = await pull([
      '--format',
      'oci-archive',
      `${reg.host}/team/app:v1`,
      join(base, 'no', 'a.tar'),
    ]);
    expect(missing.code).toBe(8);
    expect(missing.stderr).toContain('no such file or directory');
    expect(reg.requests).toEqual([]);
    expect(await readdir(base)).toEqual([]);
  });

  it('a path with spaces and non-ASCII characters works', async () => {
    const reg = await faultRegistry();
    const img = addImage(reg, 'team/app', 'v1');
    const dest = join(await tempDir(), 'with space', 'ünïcødé 目录');
    const r = await pull(['--json', `${reg.host}/team/app:v1`, dest]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).dest).toBe(dest);
    expect((await readIndexJson(dest)).manifests[0]!.digest).toBe(img.digest);
  });
});

describe('pull: never into a directory that is not an OCI layout', () => {
  it('refuses a non-empty directory with exit 2 and a hint, changing nothing and downloading nothing', async () => {
    const reg = await faultRegistry();
    addImage(reg, 'team/app', 'v1');
    const project = join(await tempDir(), 'debian');
    await mkdir(join(project, 'src'), { recursive: true });
    await writeFile(join(project, 'README.md'), '# my source tree\n');
    await writeFile(join(project, 'src', 'main.c'), 'int main(void) { return 0; }\n');
    const before = await snapshot(project);
    const r = await pull([`${reg.host}/team/app:v1`, project]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${project} is not empty and not an OCI layout`);
    expect(r.stderr).toContain('--force');
    expect(await snapshot(project)).toEqual(before);
    expect(reg.requests).toEqual([]);
  });

  it('--force writes the layout beside what is there', async () => {
    const reg = await faultRegistry();
    const img = addImage(reg, 'team/app', 'v1');
    const project = await tempDir();
    await writeFile(join(project, 'README.md'), '# my source tree\n');
    const r = await pull(['--force', `${reg.host}/team/app:v1`, project]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await readFile(join(project, 'README.md'), 'utf8')).toBe('# my source tree\n');
    expect((await readIndexJson(project)).manifests[0]!.digest).toBe(img.digest);
  });

  it('accepts an empty directory and an existing layout', async () => {
    const reg = await faultRegistry();
    addImage(reg, 'team/app', 'v1');
    addImage(reg, 'team/app', 'v2', { layers: [Buffer.from('another layer')] });
    const dest = await tempDir();
    expect((await pull([`${reg.host}/team/app:v1`, dest])).code).toBe(0);
    expect((await pull([`${reg.host}/team/app:v2`, dest])).code).toBe(0);
    expect(
      (await readIndexJson(dest)).manifests.map((m) => m.annotations?.['org.opencontainers.image.ref.name']),
    ).toEqual(['v1', 'v2']);
  });
});

describe('pull: the destination is checked before anything is downloaded', () => {
  it('a directory holding a foreign index.json is refused before any request, and nothing is created', async () => {
    const reg = await faultRegistry();
    addImage(reg, 'team/app', 'v1');
    for (const withLayoutFile of [false, true]) {
      const dir = await tempDir();
      await writeFile(join(dir, 'index.json'), '{"name":"my-web-app","version":"1.0.0"}\n');
      if (withLayoutFile) await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}\n');
      const before = await snapshot(dir);
      const r = await pull(['--force', `${reg.host}/team/app:v1`, dir]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('holds an index.json that is not an OCI image index');
      expect(await snapshot(dir)).toEqual(before);
    }
    expect(reg.requests).toEqual([]);
  });

  it('a damaged oci-layout file is refused before any request, and no blobs/ is created', async () => {
    const reg = await faultRegistry();
    addImage(reg, 'team/app', 'v1');
    const dir = await tempDir();
    await writeFile(join(dir, 'oci-layout'), 'garbage');
    const r = await pull([`${reg.host}/team/app:v1`, dir]);
    expect(r.code).toBe(8);
    expect(r.stderr).toContain('is not an OCI layout file');
    expect(await readdir(dir)).toEqual(['oci-layout']);
    expect(reg.requests).toEqual([]);
  });
});

describe('pull: flags that cannot be honoured are refused up front', () => {
  it('--format docker-archive --all-platforms is refused with exit 2, pointing to oci-archive', async () => {
    const reg = await faultRegistry();
    addIndex(reg, 'multi', 'v1');
    const dir = await tempDir();
    const file = join(dir, 'multi.tar');
    const r = await pull(['--format', 'docker-archive', '--all-platforms', `${reg.host}/multi:v1`, file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('a docker-archive holds one image');
    expect(r.stderr).toContain('--format oci-archive');
    expect(reg.requests).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  it.each([[''], ['bad name/../x'], ['-leading'], ['trailing-'], ['a//b'], ['a---b']])(
    '--name %j is refused with exit 2 (OCI ref.name grammar)',
    async (name) => {
      const reg = await faultRegistry();
      addImage(reg, 'team/app', 'v1');
      const dest = join(await tempDir(), 'out');
      const r = await pull(['--name', name, `${reg.host}/team/app:v1`, dest]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('is not a valid ref.name');
      await expect(stat(dest)).rejects.toThrow();
      expect(reg.requests).toEqual([]);
    },
  );

  it('a --name in the grammar is written', async () => {
    const reg = await faultRegistry();
    addImage(reg, 'team/app', 'v1');
    const dest = await tempDir();
    const r = await pull(['--name', 'team/app:v1.2--rc+1@x', `${reg.host}/team/app:v1`, dest]);
    expect(r.code).toBe(0);
    expect((await readIndexJson(dest)).manifests[0]!.annotations?.['org.opencontainers.image.ref.name']).toBe(
      'team/app:v1.2--rc+1@x',
    );
  });
});
