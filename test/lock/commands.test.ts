/**
 * `ocipull lock`, `verify`, `pull --locked` and `sync` in-process against the fault registry: the manifest GETs a
 * lock spends (HEADs are free), drift and its exit code, pulls by the locked digest after the tag moved, the
 * offline layout check, and a sync into a second registry and into a layout that moves 0 blobs the second time.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/capture.js';
import type { FaultRegistry } from '../fakes/fault-registry.js';
import { addImage, addIndex } from '../fakes/image.js';
import { faultRegistry, isolatedEnv, tempDir } from '../fakes/scope.js';

const manifestGets = (reg: FaultRegistry) =>
  reg.requests.filter((r) => r.method === 'GET' && r.path.includes('/manifests/')).length;

async function setup() {
  const reg = await faultRegistry();
  const index = addIndex(reg, 'team/multi', 'v1');
  const single = addImage(reg, 'team/single', 'v1', { arch: 'arm64' });
  const dir = await tempDir();
  const env = await isolatedEnv();
  const file = join(dir, 'ocipull.lock');
  const cli = (...args: string[]) => runCli(args, { env });
  return { reg, index, single, dir, env, file, cli };
}

describe('ocipull lock', () => {
  it('locks an index and a single image: one manifest GET each, attestations apart, byte-stable file', async () => {
    const { reg, index, single, file, cli } = await setup();
    const r = await cli(
      'lock',
      '--file',
      file,
      '--json',
      '--platform',
      'linux/amd64',
      `${reg.host}/team/multi:v1`,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      written: true,
      pulls: 1,
      images: [{ status: 'added', digest: index.digest }],
    });
    const s = await cli('lock', '--file', file, '--json', `${reg.host}/team/single:v1`);
    expect(JSON.parse(s.stdout).pulls).toBe(1);
    const text = await readFile(file, 'utf8');
    const lock = JSON.parse(text);
    const multi = lock.images[`${reg.host}/team/multi:v1`];
    expect(multi).toMatchObject({
      input: `${reg.host}/team/multi:v1`,
      digest: index.digest,
      want: ['linux/amd64'],
      attestations: { 'linux/amd64': expect.stringMatching(/^sha256:/) },
    });
    expect(Object.keys(multi.platforms)).toEqual(['linux/amd64', 'linux/arm/v7', 'linux/arm64/v8']);
    expect(multi.platforms['linux/amd64'].digest).toBe(index.children[0]!.digest);
    // The default (host) platform adapts to a single-platform image: it wants what it is.
    expect(lock.images[`${reg.host}/team/single:v1`]).toMatchObject({
      digest: single.digest,
      want: ['linux/arm64'],
    });

    const before = manifestGets(reg);
    const again = await cli(
      'lock',
      '--file',
      file,
      `${reg.host}/team/multi:v1`,
      `${reg.host}/team/single:v1`,
    );
    expect(again.stdout).toMatch(/^kept/m);
    expect(again.stdout).toMatch(/Unchanged: .* 0 manifest GETs spent/);
    expect(await readFile(file, 'utf8')).toBe(text);
    // --update with nothing moved: HEADs only.
    const update = await cli('lock', '--file', file, '--update', '--json');
    expect(JSON.parse(update.stdout)).toMatchObject({ written: false, pulls: 0 });
    expect(manifestGets(reg)).toBe(before);
    expect(await readFile(file, 'utf8')).toBe(text);
  });

  it('--from reads a Dockerfile; --update prints old → new per platform', async () => {
    const { reg, index, dir, file, cli } = await setup();
    const dockerfile = join(dir, 'Dockerfile');
    await writeFile(
      dockerfile,
      `ARG REG=${reg.host}\nFROM \${REG}/team/multi:v1 AS base\nFROM base\nFROM \${NOPE}\n`,
    );
    const r = await cli('lock', '--file', file, '--from', dockerfile);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: .*Dockerfile:4: skipped FROM \$\{NOPE\}/);
    expect(r.stdout).toContain(`locked     ${reg.host}/team/multi:v1 ${index.digest}`);
    const moved = addImage(reg, 'team/multi', 'v1', {
      arch: process.arch === 'x64' ? 'amd64' : process.arch,
    });
    const u = await cli('lock', '--file', file, '--update');
    expect(u.code).toBe(0);
    expect(u.stdout).toContain(`updated    ${reg.host}/team/multi:v1 ${index.digest} → ${moved.digest}`);
    expect(u.stdout).toMatch(/\(wanted\): sha256:\w+ → sha256:/);
  });

  it('refuses a wanted platform the index lacks', async () => {
    const { reg, file, cli } = await setup();
    const r = await cli('lock', '--file', file, '--platform', 'linux/s390x', `${reg.host}/team/multi:v1`);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no linux\/s390x in index/);
  });
});

describe('ocipull verify', () => {
  it('reports unchanged (exit 0), index moved with the wanted platform unchanged (0), moved (10), gone (10)', async () => {
    const { reg, index, file, cli } = await setup();
    addImage(reg, 'team/gone', 'v1');
    await cli(
      'lock',
      '--file',
      file,
      '--platform',
      'linux/amd64',
      `${reg.host}/team/multi:v1`,
      `${reg.host}/team/gone:v1`,
    );
    expect((await cli('verify', '--file', file)).code).toBe(0);

    // Re-push the index with a new arm/v7 child: the index moved, linux/amd64 did not.
    const newIndex = JSON.parse(index.index);
    newIndex.manifests[2].digest = addImage(reg, 'team/multi', null, {
      arch: 'arm',
      variant: 'v7',
      config: { created: '2025-01-01T00:00:00Z' },
    }).digest;
    newIndex.manifests[2].size = reg.manifest('team/multi', newIndex.manifests[2].digest)!.body.length;
    const pushed = reg.addManifest(
      'team/multi',
      'v1',
      JSON.stringify(newIndex),
      'application/vnd.oci.image.index.v1+json',
    );
    const im = await cli('verify', '--file', file);
    expect(im.code).toBe(0);
    expect(im.stdout).toContain(
      `index moved, your platforms unchanged: ${reg.host}/team/multi:v1 ${index.digest} → ${pushed.digest}`,
    );
    expect(im.stdout).toContain('linux/arm/v7: ');

    // Now the wanted platform moves too, and the other tag is deleted.
    addImage(reg, 'team/multi', 'v1', { arch: 'amd64', config: { created: '2026-01-01T00:00:00Z' } });
    reg.repo('team/gone').manifests.delete('v1');
    const m = await cli('verify', '--file', file, '--json');
    expect(m.code).toBe(10);
    const report = JSON.parse(m.stdout);
    expect(report.drift).toBe(true);
    expect(report.images.map((i: { status: string }) => i.status)).toEqual(['gone', 'moved']);
    expect(report.images[1].platforms[0]).toMatchObject({
      platform: 'linux/amd64',
      wanted: true,
      old: index.children[0]!.digest,
    });

    // pull --locked still gets the locked bytes, by digest.
    const out = join(file, '..', 'layout');
    const p = await cli(
      'pull',
      '--locked',
      '--lockfile',
      file,
      '--platform',
      'linux/amd64',
      '--json',
      '--progress=none',
      `${reg.host}/team/multi:v1`,
      out,
    );
    expect(p.stderr).toBe('');
    expect(JSON.parse(p.stdout)).toMatchObject({
      digest: index.digest,
      manifestDigest: index.children[0]!.digest,
      name: 'v1',
    });
    const v = await cli('verify', '--file', file, '--layout', out);
    expect(v.stdout).toContain(`present    ${reg.host}/team/multi:v1`);
    expect(v.stdout).toContain(`missing    ${reg.host}/team/gone:v1`);
    expect(v.code).toBe(10);
  });

  it('an unreachable registry is an error with its own exit code, not drift', async () => {
    const { reg, file, cli } = await setup();
    await cli('lock', '--file', file, '--platform', 'linux/amd64', `${reg.host}/team/multi:v1`);
    reg.hook((_req, res) => {
      res.statusCode = 401;
      res.setHeader('www-authenticate', 'Basic realm="x"');
      res.end();
      return true;
    });
    const r = await cli('verify', '--file', file, '--retries', '0');
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/^error {6}/m);
  });
});

describe('--locked', () => {
  it('fails clearly for a reference or platform that is not locked, and without a lockfile', async () => {
    const { reg, file, cli, dir } = await setup();
    const none = await cli(
      'pull',
      '--locked',
      '--lockfile',
      file,
      `${reg.host}/team/multi:v1`,
      join(dir, 'x'),
    );
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no such lockfile/);
    await cli('lock', '--file', file, '--platform', 'linux/amd64', `${reg.host}/team/multi:v1`);
    const other = await cli(
      'pull',
      '--locked',
      '--lockfile',
      file,
      `${reg.host}/team/single:v1`,
      join(dir, 'x'),
    );
    expect(other.code).toBe(3);
    expect(other.stderr).toMatch(/team\/single:v1 is not locked in/);
    const plat = await cli(
      'unpack',
      '--locked',
      '--lockfile',
      file,
      '--platform',
      'linux/s390x',
      `${reg.host}/team/multi:v1`,
      join(dir, 'r'),
    );
    expect(plat.code).toBe(3);
    expect(plat.stderr).toMatch(
      /no linux\/s390x in .*locked: linux\/amd64, linux\/arm\/v7, linux\/arm64\/v8/,
    );
  });

  it('copy --locked copies the locked index after the tag moved', async () => {
    const { reg, index, file, cli } = await setup();
    await cli('lock', '--file', file, '--platform', 'linux/amd64', `${reg.host}/team/multi:v1`);
    addImage(reg, 'team/multi', 'v1');
    const r = await cli(
      'copy',
      '--locked',
      '--lockfile',
      file,
      '--json',
      '--progress=none',
      `${reg.host}/team/multi:v1`,
      `${reg.host}/mirror/multi:v1`,
    );
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ digest: index.digest, writtenDigest: index.digest });
  });
});

describe('ocipull sync', () => {
  it('into a second registry by digest, then again moving 0 blobs; --dry-run lists; --keep-going goes on', async () => {
    const { reg, index, single, file, cli } = await setup();
    const mirror = await faultRegistry();
    await cli(
      'lock',
      '--file',
      file,
      '--platform',
      'linux/amd64',
      '--platform',
      'linux/arm64',
      `${reg.host}/team/multi:v1`,
    );
    await cli('lock', '--file', file, `${reg.host}/team/single:v1`);
    const dry = await cli('sync', '--file', file, '--dry-run', `${mirror.host}/m`);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(
      `would copy ${reg.host}/team/multi:v1 → ${mirror.host}/m/team/multi:v1 (all platforms, ${index.digest})`,
    );
    expect(mirror.requests.filter((r) => r.method !== 'HEAD' && r.method !== 'GET')).toEqual([]);

    const first = await cli('sync', '--file', file, '--json', `${mirror.host}/m`);
    expect(first.stderr).toBe('');
    const a = JSON.parse(first.stdout);
    expect(a.blobs.copied).toBeGreaterThan(0);
    expect(mirror.manifest('m/team/multi', 'v1')!.body.toString()).toBe(index.index);
    expect(mirror.manifest('m/team/single', 'v1')).toBeDefined();
    expect(mirror.manifest('m/team/single', single.digest)).toBeDefined();
    const second = await cli('sync', '--file', file, '--json', `${mirror.host}/m`);
    expect(JSON.parse(second.stdout).blobs).toEqual({ copied: 0, existing: a.blobs.copied });
    const again = await cli('sync', '--file', file, '--dry-run', `${mirror.host}/m`);
    expect(again.stdout).toMatch(/^present {4}/m);

    // A broken source image: --keep-going syncs the rest and exits with the failure's code.
    reg.repo('team/single').blobs.clear();
    const other = await faultRegistry();
    const kg = await cli('sync', '--file', file, '--keep-going', '--scoped', other.host);
    expect(kg.code).toBe(3);
    expect(kg.stderr).toMatch(/sync: 1 failed: .*team\/single:v1/);
    expect(other.manifest(`127.0.0.1_${reg.port}/team/multi`, 'v1')).toBeDefined();
  });

  it('into one OCI layout (one ref.name per image), re-sync moving 0 blobs, verify --layout passing', async () => {
    const { reg, file, cli, dir } = await setup();
    await cli('lock', '--file', file, '--platform', 'linux/arm/v7', `${reg.host}/team/multi:v1`);
    await cli('lock', '--file', file, `${reg.host}/team/single:v1`);
    const layout = join(dir, 'mirror');
    const first = await cli('sync', '--file', file, '--json', `oci:${layout}`);
    expect(first.stderr).toBe('');
    const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8'));
    expect(
      index.manifests
        .map(
          (m: { annotations: Record<string, string> }) => m.annotations['org.opencontainers.image.ref.name'],
        )
        .sort(),
    ).toEqual([`${reg.host}/team/multi:v1`, `${reg.host}/team/single:v1`]);
    const second = await cli('sync', '--file', file, '--json', `oci:${layout}`);
    expect(JSON.parse(second.stdout).blobs.copied).toBe(0);
    const v = await cli('verify', '--file', file, '--layout', layout);
    expect(v.stdout).toContain('2 of 2 images present');
    expect(v.code).toBe(0);
  });
});

describe('pull --locked against a lockfile that does not match the image', () => {
  it('refuses with exit 10 before the layout is created', async () => {
    const { reg, index, dir, file, cli } = await setup();
    const locked = await cli(
      'lock',
      '--file',
      file,
      '--platform',
      'linux/amd64',
      `${reg.host}/team/multi:v1`,
    );
    expect(locked.code, locked.stderr).toBe(0);
    // A hand-edited (or stale) lockfile: the wanted platform's digest is not what the locked index holds.
    const lock = JSON.parse(await readFile(file, 'utf8'));
    const other = index.children[1]!.digest;
    lock.images[`${reg.host}/team/multi:v1`].platforms['linux/amd64'].digest = other;
    await writeFile(file, `${JSON.stringify(lock, null, 2)}\n`);
    const out = join(dir, 'never');
    const p = await cli(
      'pull',
      '--locked',
      '--lockfile',
      file,
      '--progress=none',
      `${reg.host}/team/multi:v1`,
      out,
    );
    expect(p.code, p.stderr).toBe(10);
    expect(p.stderr).toMatch(/the lockfile says/);
    await expect(stat(out)).rejects.toThrow(/ENOENT/);
    expect(reg.requests.some((q) => q.path.includes('/blobs/'))).toBe(false);
  });
});
