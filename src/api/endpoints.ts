/**
 * Opening the two ends of a copy from what the user typed (`docker://REF` or a bare reference, `oci:DIR[:NAME]`,
 * `oci-archive:FILE[:NAME]`, `docker-archive:FILE`): shared by `ocipull copy`/`push` and the library's `copy`/`push`.
 * Registry ends get their client from the caller's opener, so each side can carry its own credentials and TLS.
 */
import { lstat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { indexTar, tarStore } from '../archive/index.js';
import {
  ArchiveDestination,
  DockerArchiveSource,
  defaultName,
  describeEndpoint,
  type Endpoint,
  type ImageDestination,
  type ImageSource,
  LayoutDestination,
  LayoutSource,
  parseEndpoint,
  RegistryDestination,
  RegistrySource,
} from '../copy/index.js';
import { OcipullError } from '../errors.js';
import { directoryStore } from '../oci/layout/index.js';
import type { PlatformSpec } from '../oci/types/index.js';
import { canonicalOf, type Reference } from '../reference/index.js';
import { type RepositoryReader, retryPolicy } from '../registry/client/index.js';
import type { ClientOpener } from './client.js';

/** True when `dir` holds an `oci-layout` file. */
export async function isLayoutDir(dir: string): Promise<boolean> {
  return lstat(join(dir, 'oci-layout'))
    .then((st) => st.isFile())
    .catch(() => false);
}

/**
 * Parses a local source for `push`: a transport-prefixed or path-like argument, or a bare name that is an existing
 * layout directory (`debian`, `debian:NAME`, as `unpack` takes). A registry reference is refused with a pointer to
 * `copy`.
 */
export async function parseLocalSource(input: string): Promise<Endpoint> {
  const e = parseEndpoint(input);
  if (e.kind !== 'registry') return e;
  if (await isLayoutDir(input)) return { kind: 'oci', path: input, input };
  const colon = input.lastIndexOf(':');
  if (colon > 0 && !input.slice(colon + 1).includes('/') && (await isLayoutDir(input.slice(0, colon)))) {
    return { kind: 'oci', path: input.slice(0, colon), name: input.slice(colon + 1), input };
  }
  throw new OcipullError('E_USAGE', `push: ${JSON.stringify(input)} is not an OCI layout or archive here`, {
    hint: 'push takes oci:DIR[:NAME], ./DIR[:NAME], oci-archive:FILE or docker-archive:FILE; to copy from a registry use: ocipull copy SRC DST',
  });
}

/** Opens the repository a registry source reads from (through its mirrors, for pulls). */
export type RepositoryOpener = (ref: Reference) => Promise<RepositoryReader>;

/** Opens the reading end. */
export async function openSource(
  e: Endpoint,
  open: RepositoryOpener,
  signal?: AbortSignal | undefined,
): Promise<ImageSource> {
  const label = describeEndpoint(e);
  switch (e.kind) {
    case 'registry':
      return new RegistrySource(await open(e.ref), e.ref);
    case 'oci': {
      const dir = resolve(e.path);
      if (!(await isLayoutDir(dir))) {
        throw new OcipullError(
          'E_NOT_FOUND',
          `read ${label}: ${e.path} is not an OCI layout (no oci-layout file)`,
          {
            hint: 'pull an image into it first: ocipull pull REF DIR',
          },
        );
      }
      return new LayoutSource(directoryStore(dir), e.name, label);
    }
    case 'oci-archive':
      return new LayoutSource(await tarStore(e.path), e.name, label);
    case 'docker-archive': {
      // Docker 25+ writes an OCI layout into the archive; before 25 there is only manifest.json (moby tarexport).
      const members = await indexTar(e.path);
      if (!members.has('index.json') && members.has('manifest.json')) {
        return DockerArchiveSource.open(e.path, members, label, { signal });
      }
      return new LayoutSource(await tarStore(e.path, { docker: true, members }), undefined, label);
    }
  }
}

/** What opening a destination needs to know about the copy. */
export interface DestinationContext {
  /** The source's reference, when it is a registry: names layout entries and archives after it. */
  sourceRef?: Reference | undefined;
  platform: PlatformSpec;
  verify: boolean;
  chunkSize?: number | undefined;
  /** `--name`: the ref.name to write into a layout. */
  refName?: string | undefined;
  /** Retries of the registry destination's uploads (`--retries`). */
  retries?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Where an archive named `-` is written. */
  stdout?: NodeJS.WritableStream | undefined;
}

/** Opens the writing end. */
export async function openDestination(
  e: Endpoint,
  open: ClientOpener,
  d: DestinationContext,
): Promise<ImageDestination> {
  const refName =
    d.refName ?? ('name' in e ? e.name : undefined) ?? (d.sourceRef ? defaultName(d.sourceRef) : 'latest');
  const imageName = d.sourceRef ? canonicalOf(d.sourceRef) : undefined;
  switch (e.kind) {
    case 'registry':
      return new RegistryDestination(await open(e.ref.domain, e.ref.path), e.ref, {
        retry: retryPolicy(d.retries),
        chunkSize: d.chunkSize,
      });
    case 'oci':
      return new LayoutDestination(resolve(e.path), {
        refName,
        imageName,
        verify: d.verify,
        signal: d.signal,
      });
    case 'oci-archive':
    case 'docker-archive':
      return new ArchiveDestination(e.path, {
        format: e.kind,
        refName,
        imageName: imageName ?? `localhost/image:${refName}`,
        platform: d.platform,
        verify: d.verify,
        stdout: d.stdout,
        signal: d.signal,
      });
  }
}
