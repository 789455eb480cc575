/** The parts of a tar header that extraction uses, normalized from tar-stream's `Headers` (PAX values win). */
import type { Header } from 'tar-stream';

/** Entry kinds a rootfs can hold; anything else (sockets, unknown typeflags) is `unsupported`. */
export type EntryType =
  | 'file'
  | 'directory'
  | 'symlink'
  | 'link'
  | 'fifo'
  | 'character-device'
  | 'block-device'
  | 'unsupported';

/** A normalized tar header. */
export interface EntryHeader {
  name: string;
  type: EntryType;
  /** Permission bits including setuid, setgid and sticky (`& 0o7777`). */
  mode: number;
  uid: number;
  gid: number;
  /** Modification time in seconds since the epoch, fractional when a PAX header gave one. */
  mtime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
  /** True when PAX records carry extended attributes (`SCHILY.xattr.*`), which Node cannot apply. */
  hasXattrs: boolean;
}

/** Normalizes a tar-stream header. */
export function toEntryHeader(header: Header): EntryHeader {
  const pax = (header.pax ?? {}) as Record<string, string>;
  const paxNumber = (key: string): number | undefined => {
    const value = pax[key];
    if (value === undefined) return undefined;
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  };
  return {
    name: header.name,
    type: entryType(header),
    mode: (header.mode ?? 0o644) & 0o7777,
    uid: paxNumber('uid') ?? header.uid ?? 0,
    gid: paxNumber('gid') ?? header.gid ?? 0,
    mtime: paxNumber('mtime') ?? (header.mtime ? header.mtime.getTime() / 1000 : 0),
    linkname: header.linkname ?? '',
    devmajor: header.devmajor ?? 0,
    devminor: header.devminor ?? 0,
    hasXattrs: Object.keys(pax).some((key) => key.startsWith('SCHILY.xattr.')),
  };
}

function entryType(header: Header): EntryType {
  // Typed as a closed union, but unknown typeflags (sockets, vendor types) arrive as null.
  switch (header.type as string | null) {
    case 'file':
    case 'contiguous-file':
      // Old (V7) tars mark directories only by a trailing slash; Go's archive/tar reads them the same way.
      return header.name.endsWith('/') ? 'directory' : 'file';
    case 'directory':
    case 'symlink':
    case 'link':
    case 'fifo':
    case 'character-device':
    case 'block-device':
      return header.type as EntryType;
    default:
      return 'unsupported';
  }
}
