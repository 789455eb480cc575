import { createHash, randomBytes } from 'node:crypto';
import { truncateSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { writeArchiveFile, writeDockerArchive, writeOciArchive } from '../../src/archive/index.js';
import { Collector, hexOf, makeLayer, makeLayout, readTarFile, tempDir } from './helpers.js';

/** A layout with one image whose layer is `size` bytes of incompressible data, stored uncompressed. */
async function bigLayout(size: number) {
  const dir = await tempDir();
  const layer = await makeLayer({ 'data.bin': randomBytes(size) }, false);
  const [image] = await makeLayout(dir, [{ name: 'big', layers: [layer] }]);
  return { dir, image: image! };
}

async function sha256File(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

describe('writeArchiveFile', () => {
  it('writes through a temp file and renames it; two runs give the same sha256', async () => {
    const { dir, image } = await bigLayout(300_000);
    const outDir = await tempDir();
    const a = join(outDir, 'a.tar');
    const b = join(outDir, 'b.tar');
    await writeArchiveFile(a, (out) => writeOciArchive(dir, out, { name: 'big' }));
    await writeArchiveFile(b, (out) => writeOciArchive(dir, out, { name: 'big' }));
    expect(await sha256File(a)).toBe(await sha256File(b));
    expect((await readdir(outDir)).sort()).toEqual(['a.tar', 'b.tar']);
    const members = await readTarFile(a);
    expect(members.map((m) => m.header.name)).toContain(`blobs/sha256/${hexOf(image.layerDigests[0]!)}`);

    const c = join(outDir, 'c.tar');
    const d = join(outDir, 'd.tar');
    await writeArchiveFile(c, (out) => writeDockerArchive(dir, out, { name: 'big', repoTag: 'big:1' }));
    await writeArchiveFile(d, (out) => writeDockerArchive(dir, out, { name: 'big', repoTag: 'big:1' }));
    expect(await sha256File(c)).toBe(await sha256File(d));
  });

  it('replaces an existing file only once the new archive is complete', async () => {
    const { dir } = await bigLayout(1000);
    const outDir = await tempDir();
    const file = join(outDir, 'x.tar');
    await writeArchiveFile(file, (out) => writeOciArchive(dir, out, {}));
    const before = await readFile(file);
    const err = await writeArchiveFile(file, (out) => writeOciArchive(dir, out, { name: 'nope' })).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'E_NOT_FOUND' });
    expect(await readFile(file)).toEqual(before);
    expect(await readdir(outDir)).toEqual(['x.tar']);
  });

  it('an abort mid-stream is E_INTERRUPTED and leaves neither the file nor a temp file', async () => {
    const { dir } = await bigLayout(8 * 1024 * 1024);
    const outDir = await tempDir();
    const file = join(outDir, 'big.tar');
    const controller = new AbortController();
    let written = 0;
    const err = await writeArchiveFile(file, (out) => {
      const write = out.write.bind(out) as (chunk: Buffer) => boolean;
      out.write = ((chunk: Buffer) => {
        written += chunk.length;
        if (written > 256 * 1024) controller.abort();
        return write(chunk);
      }) as typeof out.write;
      return writeOciArchive(dir, out, { name: 'big', signal: controller.signal });
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_INTERRUPTED' });
    expect(written).toBeLessThan(8 * 1024 * 1024);
    expect(await readdir(outDir)).toEqual([]);
  });

  it('an abort before the start writes nothing', async () => {
    const { dir } = await bigLayout(1000);
    const outDir = await tempDir();
    const signal = AbortSignal.abort();
    await expect(
      writeArchiveFile(join(outDir, 'x.tar'), (out) =>
        writeDockerArchive(dir, out, { name: 'big', repoTag: 'big', signal }),
      ),
    ).rejects.toMatchObject({ code: 'E_INTERRUPTED' });
    expect(await readdir(outDir)).toEqual([]);
  });

  it('a blob that shrinks while streaming fails with E_IO and cleans up', async () => {
    const { dir, image } = await bigLayout(8 * 1024 * 1024);
    const layer = join(dir, 'blobs', 'sha256', hexOf(image.layerDigests[0]!));
    const outDir = await tempDir();
    const err = await writeArchiveFile(join(outDir, 'x.tar'), (out) => {
      // Blobs are checked first and streamed later: cut the layer once the first bytes are out.
      const write = out.write.bind(out) as (chunk: Buffer) => boolean;
      out.write = ((chunk: Buffer) => {
        truncateSync(layer, 1024 * 1024);
        return write(chunk);
      }) as typeof out.write;
      return writeOciArchive(dir, out, { name: 'big' });
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'E_IO',
      message: expect.stringContaining(`read ${layer}: Size mismatch`),
    });
    expect(await readdir(outDir)).toEqual([]);
  });

  it('a directory that does not exist is E_IO', async () => {
    const { dir } = await bigLayout(10);
    const outDir = await tempDir();
    await expect(
      writeArchiveFile(join(outDir, 'missing', 'x.tar'), (out) => writeOciArchive(dir, out, {})),
    ).rejects.toMatchObject({ code: 'E_IO', message: expect.stringContaining('ENOENT') });
  });

  it('"-" writes to the given stdout without ending it, and needs one', async () => {
    const { dir } = await bigLayout(10);
    const stdout = new Collector();
    await writeArchiveFile('-', (out) => writeOciArchive(dir, out, { name: 'big' }), { stdout });
    expect(stdout.ended).toBe(false);
    expect(stdout.bytes.length % 512).toBe(0);
    expect(stdout.bytes.length).toBeGreaterThan(1024);
    await expect(writeArchiveFile('-', (out) => writeOciArchive(dir, out, {}))).rejects.toMatchObject({
      code: 'E_USAGE',
    });
  });
});

describe('streaming', () => {
  it('waits for a slow reader instead of buffering the blob', async () => {
    const size = 16 * 1024 * 1024;
    const { dir } = await bigLayout(size);
    let maxBuffered = 0;
    let total = 0;
    const slow = new Writable({
      highWaterMark: 64 * 1024,
      write(chunk: Buffer, _enc, cb) {
        total += chunk.length;
        setImmediate(cb);
      },
    });
    const write = slow.write.bind(slow) as (chunk: Buffer) => boolean;
    slow.write = ((chunk: Buffer) => {
      const ok = write(chunk);
      maxBuffered = Math.max(maxBuffered, slow.writableLength);
      return ok;
    }) as typeof slow.write;
    await writeOciArchive(dir, slow, { name: 'big' });
    expect(total).toBeGreaterThan(size);
    // Backpressure holds: never more than a few chunks queued on the slow side.
    expect(maxBuffered).toBeLessThan(1024 * 1024);
  });

  it('fails with E_IO when the output stream errors', async () => {
    const { dir } = await bigLayout(4 * 1024 * 1024);
    const broken = new Writable({
      write(_chunk, _enc, cb) {
        cb(Object.assign(new Error('broken pipe'), { code: 'EPIPE' }));
      },
    });
    broken.on('error', () => undefined);
    await expect(writeOciArchive(dir, broken, { name: 'big' })).rejects.toMatchObject({
      code: 'E_IO',
      message: expect.stringContaining('EPIPE'),
    });
  });
});
