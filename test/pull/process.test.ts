import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultRegistry, serveBytes } from '../fakes/fault-registry.js';
import { addImage } from '../fakes/image.js';
import { checkBlobs, readBlob, readIndexJson } from '../fakes/layout.js';
import {
  type CliChild,
  isolatedEnv,
  killChild,
  leftovers,
  partialFile,
  pseudoRandomBytes,
  StallingBlob,
  sizeOf,
  spawnCli,
  waitExit,
  waitFor,
} from './process-helpers.js';

/**
 * The built CLI as real processes (run `npm run build` first): SIGKILL and resume, SIGINT/SIGTERM, several
 * processes sharing one layout, and a stale lock file. The registry is the in-process fault registry.
 */

const children: CliChild[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(children.splice(0).map(killChild));
  while (cleanups.length) await cleanups.pop()!();
});

async function registry() {
  const reg = await FaultRegistry.start();
  cleanups.push(() => reg.close());
  return reg;
}

async function tempDir(prefix = 'ocipull-proc-') {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function ocipull(args: string[], extraEnv: Record<string, string> = {}) {
  const env = isolatedEnv(await tempDir('ocipull-home-'), extraEnv);
  const c = spawnCli(['pull', '--progress=none', '--retries', '0', ...args], env);
  children.push(c);
  return c;
}

/** Runs one pull to the end and insists it succeeded. */
async function pullOk(args: string[], timeoutMs = 15_000) {
  const c = await ocipull(args);
  const exit = await waitExit(c, timeoutMs);
  expect(exit, `stderr: ${c.stderr()}`).toEqual({ code: 0, signal: null });
  return c;
}

const MiB = 1024 * 1024;
const BIG = pseudoRandomBytes(4 * MiB);
const STALL_AFTER = 1536 * 1024; // 1.5 MiB, then silence

function refName(m: { annotations?: Record<string, string> }) {
  return m.annotations?.['org.opencontainers.image.ref.name'];
}

/** An image `app:v1` whose 4 MiB layer stalls after 1.5 MiB, plus a small `app:old`. */
async function stalledSetup() {
  const reg = await registry();
  addImage(reg, 'app', 'old');
  const img = addImage(reg, 'app', 'v1', { layers: [BIG] });
  const layer = img.layers[0]!.digest;
  const stall = new StallingBlob(layer, BIG, STALL_AFTER).install(reg);
  cleanups.push(async () => stall.destroy());
  const dest = join(await tempDir(), 'layout');
  return { reg, img, layer, stall, dest, ref: `${reg.host}/app:v1` };
}

/** Waits until the child has all the stalled bytes on disk in its own partial file: it is mid-blob. */
async function waitMidBlob(c: CliChild, dest: string, layer: string) {
  const partial = partialFile(dest, layer, c.pid);
  await waitFor(
    async () => {
      if (!c.running()) throw new Error(`ocipull exited early: ${c.stderr()}`);
      return (await sizeOf(partial)) === STALL_AFTER;
    },
    `${partial} to reach ${STALL_AFTER} bytes`,
    15_000,
  ).catch((err) => {
    throw new Error(`${(err as Error).message}\nstderr: ${c.stderr()}`);
  });
  return partial;
}

describe('ocipull pull as a process: resume after SIGKILL', () => {
  it('a killed pull leaves a partial file that the next process adopts and resumes with Range', async () => {
    const { reg, img, layer, stall, dest, ref } = await stalledSetup();
    const first = await ocipull([ref, dest]);
    const partial = await waitMidBlob(first, dest, layer);
    expect(stall.sent).toBe(STALL_AFTER);

    first.proc.kill('SIGKILL');
    expect(await waitExit(first, 5_000)).toEqual({ code: null, signal: 'SIGKILL' });
    const kept = (await stat(partial)).size;
    expect(kept).toBe(STALL_AFTER);
    expect((await readIndexJson(dest)).manifests).toEqual([]);
    await expect(stat(join(dest, 'blobs', 'sha256', layer.slice(7)))).rejects.toThrow(/ENOENT/);

    stall.stalling = false;
    const before = reg.requestsTo(`/blobs/${layer}`).length;
    const second = await pullOk([ref, dest]);
    expect(second.stderr()).toBe('');

    const resumed = reg.requestsTo(`/blobs/${layer}`).slice(before);
    expect(resumed).toHaveLength(1);
    const range = /^bytes=(\d+)-$/.exec(String(resumed[0]!.headers.range));
    expect(range, `Range header: ${resumed[0]!.headers.range}`).not.toBeNull();
    const k = Number(range![1]);
    expect(k).toBeGreaterThan(0);
    expect(k).toBeLessThanOrEqual(kept);
    expect(k).toBe(kept);

    expect((await readBlob(dest, layer)).equals(BIG)).toBe(true);
    const { blobs, stray } = await checkBlobs(dest);
    expect(stray).toEqual([]);
    expect(blobs.sort()).toEqual([img.digest, img.configDesc.digest, layer].sort());
    expect(await leftovers(dest)).toEqual([]);
    const index = await readIndexJson(dest);
    expect(index.manifests).toHaveLength(1);
    expect(index.manifests[0]).toMatchObject({ digest: img.digest, size: img.size });
    expect(refName(index.manifests[0]!)).toBe('v1');
  });
});

describe('ocipull pull as a process: SIGINT and SIGTERM', () => {
  it('SIGINT mid-blob exits 130 with one line, leaves index.json untouched and the partial file resumable', async () => {
    const { reg, img, layer, stall, dest, ref } = await stalledSetup();
    await pullOk([`${reg.host}/app:old`, dest]);
    const indexBefore = await readFile(join(dest, 'index.json'));
    expect(JSON.parse(indexBefore.toString()).manifests.map(refName)).toEqual(['old']);

    const c = await ocipull([ref, dest]);
    const partial = await waitMidBlob(c, dest, layer);
    c.proc.kill('SIGINT');
    const exit = await waitExit(c, 10_000, 'ocipull after SIGINT');
    expect(exit, `stderr: ${c.stderr()}`).toEqual({ code: 130, signal: null });

    const lines = c.stderr().split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/interrupted/i);
    expect(c.stderr()).not.toMatch(/^\s+at /m);
    expect(c.stdout()).toBe('');

    expect((await readFile(join(dest, 'index.json'))).equals(indexBefore)).toBe(true);
    expect(await sizeOf(partial)).toBe(STALL_AFTER);
    await expect(stat(join(dest, 'blobs', 'sha256', layer.slice(7)))).rejects.toThrow(/ENOENT/);
    expect(await leftovers(dest)).toEqual([`blobs/sha256/.${layer.slice(7)}.${c.pid}.partial`]);

    // Resumable: the next run continues from the kept bytes.
    stall.stalling = false;
    await pullOk([ref, dest]);
    expect(stall.ranges.at(-1)).toBe(`bytes=${STALL_AFTER}-`);
    expect((await readBlob(dest, layer)).equals(BIG)).toBe(true);
    expect((await readIndexJson(dest)).manifests.map((m) => [refName(m), m.digest])).toEqual([
      ['old', expect.any(String)],
      ['v1', img.digest],
    ]);
    expect(await leftovers(dest)).toEqual([]);
  });

  it('SIGTERM mid-blob exits 130 too and writes no index entry', async () => {
    const { layer, dest, ref } = await stalledSetup();
    const c = await ocipull([ref, dest]);
    const partial = await waitMidBlob(c, dest, layer);
    c.proc.kill('SIGTERM');
    const exit = await waitExit(c, 10_000, 'ocipull after SIGTERM');
    expect(exit, `stderr: ${c.stderr()}`).toEqual({ code: 130, signal: null });
    expect(c.stderr()).toMatch(/^ocipull: [^\n]*interrupted[^\n]*\n$/i);
    expect((await readIndexJson(dest)).manifests).toEqual([]);
    expect(await sizeOf(partial)).toBe(STALL_AFTER);
    await expect(stat(join(dest, 'blobs', 'sha256', layer.slice(7)))).rejects.toThrow(/ENOENT/);
  });

  it('SIGINT while waiting for a lock held by a live process exits 130 and leaves that lock alone', async () => {
    const reg = await registry();
    addImage(reg, 'app', 'old');
    const img = addImage(reg, 'app', 'v1');
    const dest = join(await tempDir(), 'layout');
    await pullOk([`${reg.host}/app:old`, dest]);
    const indexBefore = await readFile(join(dest, 'index.json'));
    const lock = join(dest, 'index.json.lock');
    await writeFile(lock, `${process.pid}\n`); // this test process: alive, so the child must wait

    const c = await ocipull([`${reg.host}/app:v1`, dest]);
    // Manifests are written just before index.json is locked and updated.
    await waitFor(
      async () => {
        if (!c.running()) throw new Error(`ocipull exited early: ${c.stderr()}`);
        return (await sizeOf(join(dest, 'blobs', 'sha256', img.digest.slice(7)))) === img.size;
      },
      'the manifest to be written',
      10_000,
    );
    expect(c.running()).toBe(true);
    c.proc.kill('SIGINT');
    const exit = await waitExit(c, 10_000, 'ocipull after SIGINT');
    expect(exit, `stderr: ${c.stderr()}`).toEqual({ code: 130, signal: null });
    expect(c.stderr()).toMatch(/^ocipull: [^\n]*interrupted[^\n]*\n$/i);
    expect(await readFile(lock, 'utf8')).toBe(`${process.pid}\n`);
    expect((await readFile(join(dest, 'index.json'))).equals(indexBefore)).toBe(true);
  });
});

describe('ocipull pull as a process: one layout, several processes', () => {
  it('four processes pulling tags that share a layer all land in index.json, with every blob intact', async () => {
    const reg = await registry();
    const shared = pseudoRandomBytes(MiB, 'shared-layer');
    const tags = ['a', 'b', 'c', 'd'];
    const images = tags.map((t) =>
      addImage(reg, 'app', t, { layers: [shared, pseudoRandomBytes(128 * 1024 + tags.indexOf(t), t)] }),
    );
    // Hold every blob request until each process has asked for all three of its blobs (the config and the first
    // layer are shared), then answer them all at once: the downloads overlap, and the processes reach their
    // index.json updates at nearly the same moment. Fail rather than hang if they never all arrive.
    const expected = tags.length * 3;
    let arrived = 0;
    let release!: () => void;
    const allArrived = new Promise<void>((r) => (release = r));
    reg.hook(async (req, res) => {
      const digest = /\/blobs\/(sha256:[a-f0-9]{64})$/.exec(req.url ?? '')?.[1];
      const bytes = digest && reg.repo('app').blobs.get(digest);
      if (!bytes) return false;
      if (++arrived === expected) release();
      await Promise.race([allArrived, new Promise((r) => setTimeout(r, 10_000))]);
      serveBytes(req, res, bytes);
      return true;
    });
    const dest = await tempDir();
    const runs = await Promise.all(tags.map((t) => ocipull([`${reg.host}/app:${t}`, dest])));
    const exits = await Promise.all(runs.map((c) => waitExit(c, 25_000)));
    expect(exits, runs.map((c) => c.stderr()).join('\n')).toEqual(
      tags.map(() => ({ code: 0, signal: null })),
    );
    expect(arrived).toBe(expected); // every process fetched every blob itself, all at once

    const index = JSON.parse(await readFile(join(dest, 'index.json'), 'utf8'));
    expect(index.manifests.map(refName).sort()).toEqual(tags);
    for (const [i, img] of images.entries()) {
      expect(index.manifests.find((m: { digest: string }) => m.digest === img.digest)).toBeDefined();
      expect((await readBlob(dest, img.layers[1]!.digest)).equals(img.layers[1]!.bytes)).toBe(true);
      expect(refName(index.manifests.find((m: { digest: string }) => m.digest === img.digest))).toBe(tags[i]);
    }
    const { blobs, stray } = await checkBlobs(dest); // every blob hashes to its name
    expect(stray).toEqual([]);
    expect(blobs.sort()).toEqual(
      [
        ...new Set(
          images.flatMap((img) => [img.digest, img.configDesc.digest, ...img.layers.map((l) => l.digest)]),
        ),
      ].sort(),
    );
    expect(await leftovers(dest)).toEqual([]);
  });
});

describe('ocipull pull as a process: stale lock', () => {
  const DEAD_PID = 999_999; // checked below to be no live process (pid_max may be 4194304)

  it.each([
    ['into an existing layout', true],
    ['into a new directory', false],
  ])('a lock file of a dead process does not block a pull %s', async (_, existing) => {
    expect(() => process.kill(DEAD_PID, 0)).toThrow(/ESRCH/);
    const reg = await registry();
    addImage(reg, 'app', 'old');
    const img = addImage(reg, 'app', 'v1');
    const dest = join(await tempDir(), 'layout');
    if (existing) await pullOk([`${reg.host}/app:old`, dest]);
    else await mkdir(dest);
    await writeFile(join(dest, 'index.json.lock'), `${DEAD_PID}\n`);

    const started = Date.now();
    await pullOk([`${reg.host}/app:v1`, dest], 15_000);
    expect(Date.now() - started).toBeLessThan(10_000);
    const index = await readIndexJson(dest);
    expect(index.manifests.map(refName)).toEqual(existing ? ['old', 'v1'] : ['v1']);
    expect(index.manifests.at(-1)!.digest).toBe(img.digest);
    expect(await leftovers(dest)).toEqual([]);
  });
});
