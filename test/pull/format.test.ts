import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { makeLayer, pushImage, readTar, readTarFile, tempDir } from '../archive/helpers.js';
import { runCli } from '../cli/capture.js';
import { FaultRegistry } from '../fakes/fault-registry.js';
import { hasTool } from '../helpers/tools.js';

const run = promisify(execFile);
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup() {
  const reg = await FaultRegistry.start();
  cleanups.push(() => reg.close());
  const img = await pushImage(reg, 'team/app', 'v1', [await makeLayer({ 'etc/hello': 'hi\n' })]);
  const home = await tempDir('ocipull-home-');
  const env = {
    HOME: home,
    DOCKER_CONFIG: join(home, '.docker'),
    XDG_RUNTIME_DIR: join(home, 'run'),
    PATH: process.env.PATH,
  };
  return { reg, img, env };
}

describe('ocipull pull --format', () => {
  it('oci-archive writes one tar and leaves no staging layout behind', async () => {
    const { reg, img, env } = await setup();
    const dir = await tempDir();
    const file = join(dir, 'app.tar');
    const r = await runCli(
      ['pull', '--json', '--progress=none', '--format', 'oci-archive', `${reg.host}/team/app:v1`, file],
      { env },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ format: 'oci-archive', dest: file, digest: img.digest });
    const names = (await readTarFile(file)).map((m) => m.header.name);
    expect(names).toContain('oci-layout');
    expect(names).toContain('index.json');
    expect(names).toContain(`blobs/sha256/${img.digest.slice(7)}`);
    expect(await readdir(dir)).toEqual(['app.tar']);
    if (hasTool('skopeo')) {
      const { stdout } = await run('skopeo', ['inspect', `oci-archive:${file}:v1`]);
      expect(JSON.parse(stdout).Layers).toEqual(img.layers.map((l) => l.digest));
    }
  });

  it('docker-archive to "-" puts only the tar on stdout and the summary on stderr', async () => {
    const { reg, img, env } = await setup();
    const r = await runCli(
      ['pull', '--progress=none', '--format', 'docker-archive', `${reg.host}/team/app:v1`, '-'],
      { env },
    );
    expect(r.code).toBe(0);
    const members = await readTar(r.stdoutBytes);
    const manifest = JSON.parse(members.find((m) => m.header.name === 'manifest.json')!.content.toString());
    expect(manifest).toEqual([
      {
        Config: `blobs/sha256/${img.config.digest.slice(7)}`,
        RepoTags: [`${reg.host}/team/app:v1`],
        Layers: img.layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`),
      },
    ]);
    expect(r.stderr).toContain(`Pulled ${reg.host}/team/app:v1`);
  });

  it('refuses "-" for an OCI layout directory (exit 2)', async () => {
    const { reg, env } = await setup();
    const r = await runCli(['pull', `${reg.host}/team/app:v1`, '-'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs --format oci-archive or docker-archive/);
  });

  it('a failed archive pull leaves no file under the final name', async () => {
    const { reg, env } = await setup();
    const dir = await tempDir();
    const file = join(dir, 'missing.tar');
    const r = await runCli(
      ['pull', '--progress=none', '--format', 'oci-archive', `${reg.host}/team/app:nope`, file],
      { env },
    );
    expect(r.code).toBe(3);
    await expect(stat(file)).rejects.toThrow();
  });
});
