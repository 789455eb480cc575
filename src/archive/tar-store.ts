/**
 * Reading an archive (oci-archive, or a docker-archive that is also an OCI layout, as Docker 25+ and ocipull write
 * it) in place, without extracting it: one pass over the tar headers — data is skipped with seeks, never read —
 * records where each member's bytes are; blobs are then streamed straight from the file by offset. Handles ustar
 * prefixes, pax `path` records and GNU long names; regular files are indexed, and links inside the archive are
 * resolved to the file they name.
 */
import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { OcipullError } from '../errors.js';
import { type BlobStore, parseIndexJson } from '../oci/layout/index.js';
import { type Digest, digestHex } from '../oci/types/index.js';

const BLOCK = 512;
/** pax and GNU long-name records are small; anything bigger is not an archive we wrote or Docker did. */
const MAX_META = 1024 * 1024;
/** Links followed before giving up on a chain (a loop, or a pathological archive). */
const MAX_LINK_HOPS = 16;

/** Where one member's bytes are in the file. */
export interface TarMember {
  offset: number;
  size: number;
}
type Member = TarMember;

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

/** The `path` and `linkpath` records of a pax header. */
function paxRecords(records: Buffer): { path?: string; linkpath?: string } {
  const out: { path?: string; linkpath?: string } = {};
  let pos = 0;
  while (pos < records.length) {
    const space = records.indexOf(0x20, pos);
    if (space === -1) break;
    const len = Number(records.subarray(pos, space).toString('ascii'));
    if (!Number.isInteger(len) || len <= 0) break;
    const record = records.subarray(space + 1, pos + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    const key = record.slice(0, eq);
    if (key === 'path' || key === 'linkpath') out[key] = record.slice(eq + 1);
    pos += len;
  }
  return out;
}

function normalize(name: string): string {
  return name.replace(/^(\.\/)+/, '').replace(/^\/+/, '');
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}

/**
 * Resolves links to the regular file they end at. Docker before 25 writes a layer that appears twice as a symlink
 * to the first copy (moby `image/tarexport/save.go`); skopeo's docker/tarfile reader follows them the same way. A
 * target outside the archive, a dangling link or a loop is left out: the member is then simply missing.
 */
function resolveLinks(members: Map<string, Member>, links: Map<string, string>): void {
  for (const name of links.keys()) {
    let current = name;
    for (let hop = 0; hop < MAX_LINK_HOPS; hop++) {
      const target = links.get(current);
      if (target === undefined) {
        const m = members.get(current);
        if (m) members.set(name, m);
        break;
      }
      current = target;
    }
  }
}

/** The archive path a link points at: a symlink is relative to its directory, a hard link to the archive root. */
function linkTarget(name: string, target: string, symbolic: boolean): string | undefined {
  const joined = symbolic && !target.startsWith('/') ? posix.join(posix.dirname(name), target) : target;
  const path = normalize(posix.normalize(joined));
  return path === '' || path === '.' || path.startsWith('../') || path === '..' ? undefined : path;
}

/**
 * Indexes a tar by member name: each regular file's offset and size, links resolved to the file they name. Reads
 * only headers (and pax or GNU long-name records); throws `E_IO` for a file that cannot be read or is not a tar.
 */
export async function indexTar(file: string): Promise<Map<string, TarMember>> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new OcipullError('E_IO', `read archive ${file}: ${code ?? (err as Error).message}`, { cause: err });
  }
  const members = new Map<string, Member>();
  const links = new Map<string, string>();
  try {
    const { size: total } = await handle.stat();
    let pos = 0;
    let longName: string | undefined;
    let longLink: string | undefined;
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
      if (type === 'x' || type === 'L' || type === 'K') {
        if (size > MAX_META)
          throw new OcipullError('E_IO', `read archive ${file}: oversized tar metadata record`);
        const data = await readAt(handle, dataAt, size);
        if (type === 'x') {
          const pax = paxRecords(data);
          longName = pax.path ?? longName;
          longLink = pax.linkpath ?? longLink;
        } else if (type === 'L') longName = cString(data, 0, data.length);
        else longLink = cString(data, 0, data.length);
        continue;
      }
      if (type === 'g') continue;
      const prefix = cString(header, 345, 500);
      const name = normalize(
        longName ?? (prefix ? `${prefix}/${cString(header, 0, 100)}` : cString(header, 0, 100)),
      );
      const linkName = longLink ?? cString(header, 157, 257);
      longName = undefined;
      longLink = undefined;
      if (type === '0' || type === '\0' || type === '7') {
        members.set(name, { offset: dataAt, size });
        links.delete(name);
      } else if (type === '1' || type === '2') {
        const target = linkTarget(name, linkName, type === '2');
        if (target !== undefined && target !== name) links.set(name, target);
        members.delete(name);
      }
    }
  } finally {
    await handle.close();
  }
  resolveLinks(members, links);
  return members;
}

/** Reads a small member whole, refusing one larger than `max` bytes (`what` names it in the message). */
export async function readTarMember(file: string, m: TarMember, max: number, what: string): Promise<Buffer> {
  if (m.size > max) {
    throw new OcipullError(
      'E_IO',
      `read ${file}: ${what} is ${m.size} bytes, more than the ${max}-byte limit`,
    );
  }
  const chunks: Buffer[] = [];
  if (m.size === 0) return Buffer.alloc(0);
  for await (const c of createReadStream(file, { start: m.offset, end: m.offset + m.size - 1 }))
    chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Streams a member's bytes from `offset` straight from the file. */
export function openTarMember(file: string, m: TarMember, offset = 0): Readable {
  if (m.size === 0 || offset >= m.size) return Readable.from([]);
  return createReadStream(file, {
    start: m.offset + offset,
    end: m.offset + m.size - 1,
    highWaterMark: 256 * 1024,
  });
}

/**
 * An archive as a `BlobStore`. `members` is the archive's `indexTar`, when the caller has it already. A
 * docker-archive without an OCI `index.json` (written by Docker before 25) is not a layout: `openSource` reads it
 * with the copy engine's legacy docker-archive source instead, and this refuses it with a clear error.
 */
export async function tarStore(
  file: string,
  opts: { docker?: boolean; members?: Map<string, TarMember> } = {},
): Promise<BlobStore> {
  const members = opts.members ?? (await indexTar(file));
  const index = members.get('index.json');
  if (!index || !members.has('oci-layout')) {
    const legacy = opts.docker && !index && members.has('manifest.json');
    throw new OcipullError(
      'E_UNSUPPORTED',
      opts.docker
        ? `read docker-archive:${file}: ${legacy ? 'it has no OCI index.json (written by Docker before 25)' : 'not a docker save archive (no index.json, oci-layout or manifest.json)'}`
        : `read oci-archive:${file}: not an OCI layout archive (no ${index ? 'oci-layout' : 'index.json'})`,
      {
        hint: opts.docker
          ? 'a docker-archive is what docker save writes: manifest.json, the config and the layers'
          : 'an oci-archive is a tar of an OCI layout: oci-layout, index.json, blobs/',
      },
    );
  }
  return {
    label: file,
    async readIndex() {
      const bytes = await readTarMember(file, index, 4 * 1024 * 1024, 'index.json');
      return parseIndexJson(bytes.toString('utf8'), `${file}:index.json`);
    },
    async blobSize(digest: Digest) {
      return members.get(`blobs/sha256/${digestHex(digest)}`)?.size;
    },
    async openBlob(digest: Digest, offset: number) {
      const m = members.get(`blobs/sha256/${digestHex(digest)}`);
      if (!m) throw new OcipullError('E_IO', `read ${file}: blob ${digest} is missing`);
      return openTarMember(file, m, offset);
    },
  };
}
