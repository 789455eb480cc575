/**
 * Where `ocipull sync --file F DEST` puts each locked image: under a registry prefix (`registry.internal/mirror`
 * plus the source path; with `--scoped` the source registry too, as skopeo sync's `--scoped`), in one OCI layout
 * (`oci:DIR`, one ref.name per image: its normalized reference), or in one oci-archive.
 */
import { OcipullError } from '../errors.js';
import { parseReference, type Reference } from '../reference/index.js';

/** A parsed sync destination. */
export type SyncTarget =
  | { kind: 'registry'; domain: string; path: string }
  | { kind: 'oci'; path: string }
  | { kind: 'oci-archive'; path: string };

/** A first path component that is a registry host, by Docker's rule (a dot, a port, or `localhost`). */
function isHost(part: string): boolean {
  return part === 'localhost' || part.includes('.') || part.includes(':') || part.startsWith('[');
}

/** Parses DEST: `oci:DIR`, `oci-archive:FILE`, or `HOST[/PREFIX]` (`docker://` allowed). */
export function parseSyncTarget(dest: string): SyncTarget {
  for (const kind of ['oci-archive', 'oci'] as const) {
    if (dest.startsWith(`${kind}:`)) {
      const path = dest.slice(kind.length + 1);
      if (path === '') throw new OcipullError('E_USAGE', `sync: ${JSON.stringify(dest)} needs a path`);
      return { kind, path };
    }
  }
  const bare = dest.replace(/^docker:\/\//, '').replace(/\/+$/, '');
  const slash = bare.indexOf('/');
  const domain = slash < 0 ? bare : bare.slice(0, slash);
  if (!isHost(domain)) {
    throw new OcipullError('E_USAGE', `sync: ${JSON.stringify(dest)} does not start with a registry host`, {
      hint: 'e.g. registry.internal/mirror, localhost:5000, oci:./mirror or oci-archive:images.tar',
    });
  }
  return { kind: 'registry', domain, path: slash < 0 ? '' : bare.slice(slash + 1) };
}

/**
 * The mirror's reference for a locked image: prefix + source path (+ the source registry first when `scoped`; a
 * port's `:` becomes `_`, as a repository path cannot hold one), the same tag, or the digest for a digest-only one.
 */
export function mirrorReference(
  target: Extract<SyncTarget, { kind: 'registry' }>,
  source: Reference,
  scoped: boolean,
): Reference {
  const parts = [
    target.path,
    scoped ? source.domain.replace(/[[\]]/g, '').replace(/:/g, '_') : '',
    source.path,
  ];
  const repo = `${target.domain}/${parts.filter((p) => p !== '').join('/')}`;
  return parseReference(source.tag ? `${repo}:${source.tag}` : `${repo}@${source.digest}`);
}
