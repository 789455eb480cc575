/**
 * Reading an archive (oci-archive, or a docker-archive that is also an OCI layout, as Docker 25+ and ocipull write
 * it) in place, without extracting it: one pass over the tar headers — data is skipped with seeks, never read —
 * records where each member's bytes are; blobs are then streamed straight from the file by offset. Handles ustar
 * prefixes, pax `path` records and GNU long names; only regular files are indexed.
 */
import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { OcipullError } from '../errors.js';
import { type BlobStore, parseIndexJson } from '../oci/layout/index.js';
import { type Digest, digestHex } from '../oci/types/index.js';

const BLOCK = 512;
/** pax and GNU long-name records are small; anything bigger is not an archive we wrote or Docker did. */
const MAX_META = 1024 * 1024;

/** Where one member's bytes are in the file. */
interface Member {
  offset: number;
  size: number;
}

function cString(buf: Buffer, start: number, end: number): string {
  const slice = buf.subarray(start, end);
  const nul = slice.indexOf(0);
  return slice.subarray(0, nul === -1 ? slice.length : nul).toString('utf8');
}

/** A numeric header field: octal text, or base-256 when the high bit of the first byte is set (GNU). */
function numeric(buf: Buffer, start: number, end: number): number {
  const field = buf.subarray(start, end);
  if ((field[0]! & 0x80) !== 0) {
    let n = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) n = n * 256 + field[i]!;
    return n;
  }
  const text = cString(buf, start, end).trim();
  return text === '' ? 0 : Number.parseInt(text, 8);
}

function paxPath(records: Buffer): string | undefined {
  let path: string | undefined;
  let pos = 0;
  while (pos < records.length) {
    const space = records.indexOf(0x20, pos);
    if (space === -1) break;
    const len = Number(records.subarray(pos, space).toString('ascii'));
    if (!Number.isInteger(len) || len <= 0) break;
    const record = records.subarray(space + 1, pos + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (record.slice(0, eq) === 'path') path = record.slice(eq + 1);
    pos += len;
  }
  return path;
}

function normalize(name: string): string {
  return name.replace(/^(\.\/)+/, '').replace(/^\/+/, '');
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}

/** Indexes the regular files of a tar by name. */
async function indexTar(file: string): Promise<Map<string, Member>> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new OcipullError('E_IO', `read archive ${file}: ${code ?? (err as Error).message}`, { cause: err });
  }
  const members = new Map<string, Member>();
  try {
    const { size: total } = await handle.stat();
    let pos = 0;
    let longName: string | undefined;
    while (pos + BLOCK <= total) {
      const header = await readAt(handle, pos, BLOCK);
      if (header.length < BLOCK) break;
      if (header.every((b) => b === 0)) break;
      const sum = header.reduce((n, b, i) => n + (i >= 148 && i < 156 ? 0x20 : b), 0);
      if (sum !== numeric(header, 148, 156)) {
        throw new OcipullError(
          'E_IO',
          `read archive ${file}: not a tar file (bad header checksum at byte ${pos})`,
          {
            hint: 'oci-archive and docker-archive files are uncompressed tars; gunzip a .tar.gz first',
          },
        );
      }
      const size = numeric(header, 124, 136);
      const type = String.fromCharCode(header[156]!);
      const dataAt = pos + BLOCK;
      pos = dataAt + Math.ceil(size / BLOCK) * BLOCK;
      if (type === 'x' || type === 'L') {
        if (size > MAX_META)
          throw new OcipullError('E_IO', `read archive ${file}: oversized tar metadata record`);
        const data = await readAt(handle, dataAt, size);
        longName = type === 'x' ? (paxPath(data) ?? longName) : cString(data, 0, data.length);
        continue;
      }
      if (type === 'g') continue;
      const prefix = cString(header, 345, 500);
      const name = longName ?? (prefix ? `${prefix}/${cString(header, 0, 100)}` : cString(header, 0, 100));
      longName = undefined;
      if (type === '0' || type === '\0' || type === '7')
        members.set(normalize(name), { offset: dataAt, size });
    }
  } finally {
    await handle.close();
  }
  return members;
}

/**
 * An archive as a `BlobStore`. A docker-archive without `index.json` (written by Docker before 25) is refused here
 * with a clear error.
 */
export async function tarStore(file: string, opts: { docker?: boolean } = {}): Promise<BlobStore> {
  const members = await indexTar(file);
  const read = async (m: Member): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    for await (const c of createReadStream(file, { start: m.offset, end: m.offset + m.size - 1 }))
      chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  };
  const index = members.get('index.json');
  if (!index || !members.has('oci-layout')) {
    throw new OcipullError(
      'E_UNSUPPORTED',
      opts.docker
        ? `read docker-archive:${file}: it has no OCI index.json (written by Docker before 25)`
        : `read oci-archive:${file}: not an OCI layout archive (no ${index ? 'oci-layout' : 'index.json'})`,
      {
        hint: opts.docker
          ? 'save it again with Docker 25 or newer, or pull it with ocipull pull --format docker-archive'
          : 'an oci-archive is a tar of an OCI layout: oci-layout, index.json, blobs/',
      },
    );
  }
  return {
    label: file,
    async readIndex() {
      if (index.size > 4 * 1024 * 1024)
        throw new OcipullError('E_IO', `read ${file}: index.json is too large`);
      return parseIndexJson((await read(index)).toString('utf8'), `${file}:index.json`);
    },
    async blobSize(digest: Digest) {
      return members.get(`blobs/sha256/${digestHex(digest)}`)?.size;
    },
    async openBlob(digest: Digest, offset: number) {
      const m = members.get(`blobs/sha256/${digestHex(digest)}`);
      if (!m) throw new OcipullError('E_IO', `read ${file}: blob ${digest} is missing`);
      if (m.size === 0 || offset >= m.size) return Readable.from([]);
      return createReadStream(file, {
        start: m.offset + offset,
        end: m.offset + m.size - 1,
        highWaterMark: 256 * 1024,
      });
    },
  };
}
