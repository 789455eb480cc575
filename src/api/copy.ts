import {
  type CopyResult,
  copyImage,
  describeEndpoint,
  type Endpoint,
  type CopyOptions as EngineOptions,
  parseEndpoint,
} from '../copy/index.js';
import { OcipullError } from '../errors.js';
import { retryPolicy } from '../registry/client/index.js';
import type { ClientOpener, CredentialsOption } from './client.js';
import { openDestination, openSource, parseLocalSource, type RepositoryOpener } from './endpoints.js';
import { type CommonOptions, platformOf, type Runtime, runOperation } from './options.js';
import { copyResultOf } from './results.js';

/** Options of {@link copy} and {@link push}, named after `ocipull copy`'s flags. */
export interface CopyOptions extends CommonOptions {
  /** Copy one platform's image (default: the whole index, attestations included). */
  platform?: string | undefined;
  /** Write manifests byte for byte into a layout (Docker media types are kept). */
  preserveDigests?: boolean | undefined;
  /** Parallel blob transfers (default 4). */
  jobs?: number | undefined;
  /** Upload blobs in chunks of this many bytes (default: one PUT per blob). */
  chunkSize?: number | undefined;
  /** Credentials of the source registry; default `credentials` only when that is a function (asked per registry). */
  srcCredentials?: CredentialsOption | undefined;
  /** Credentials of the destination registry; default `credentials`. */
  destCredentials?: CredentialsOption | undefined;
  srcTlsVerify?: boolean | undefined;
  destTlsVerify?: boolean | undefined;
  srcCertDir?: string | undefined;
  destCertDir?: string | undefined;
}

/** Each side's own options over the shared ones (`--src-X`/`--dest-X` win over `--X`). */
function side(options: CopyOptions, which: 'src' | 'dest'): Partial<CommonOptions> {
  const pick = <T>(own: T | undefined, shared: T | undefined) => (own !== undefined ? own : shared);
  const src = which === 'src';
  return {
    // Static `credentials` are the destination's (as the CLI's --creds): never sent to the source registry. A
    // function is asked per registry, so it may serve both sides.
    credentials: src
      ? pick(
          options.srcCredentials,
          typeof options.credentials === 'function' ? options.credentials : undefined,
        )
      : pick(options.destCredentials, options.credentials),
    tlsVerify: pick(src ? options.srcTlsVerify : options.destTlsVerify, options.tlsVerify),
    certDir: pick(src ? options.srcCertDir : options.destCertDir, options.certDir),
  };
}

/** What one copy between two ends needs besides them. */
export interface CopyEndsOptions {
  /** Openers of each side (each with its own credentials and TLS settings; the source through its mirrors). */
  openSource: RepositoryOpener;
  openDestination: ClientOpener;
  /** The engine's options, with `platform` and `allPlatforms` already chosen. */
  engine: EngineOptions;
  chunkSize?: number | undefined;
  retries?: number | undefined;
  /** Where an archive named `-` goes (the CLI's stdout). */
  stdout?: NodeJS.WritableStream | undefined;
}

/**
 * Opens both ends, runs the copy engine and closes both, whatever happens: the one copy run `ocipull copy`/`push`
 * and the library's `copy`/`push` share.
 */
export async function copyEnds(src: Endpoint, dst: Endpoint, o: CopyEndsOptions): Promise<CopyResult> {
  const source = await openSource(src, o.openSource, o.engine.signal);
  try {
    const dest = await openDestination(dst, o.openDestination, {
      sourceRef: src.kind === 'registry' ? src.ref : undefined,
      platform: o.engine.platform,
      verify: false,
      chunkSize: o.chunkSize,
      retries: o.retries,
      signal: o.engine.signal,
      stdout: o.stdout,
    });
    try {
      return copyResultOf(await copyImage(source, dest, o.engine), describeEndpoint(dst));
    } finally {
      await dest.close();
    }
  } finally {
    await source.close();
  }
}

async function runCopy(rt: Runtime, src: Endpoint, dst: Endpoint, options: CopyOptions): Promise<CopyResult> {
  if (dst.kind === 'registry' && dst.ref.digest && options.platform) {
    throw new OcipullError('E_USAGE', 'copy: a destination named by digest cannot take a platform');
  }
  if ((dst.kind === 'oci-archive' || dst.kind === 'docker-archive') && dst.path === '-') {
    throw new OcipullError('E_USAGE', 'copy: the library never writes to stdout; give a file');
  }
  return copyEnds(src, dst, {
    openSource: (ref) => rt.openRepo(ref, side(options, 'src')),
    openDestination: rt.openWith(side(options, 'dest')),
    chunkSize: options.chunkSize,
    retries: options.retries,
    engine: {
      platform: platformOf(options.platform),
      explicitPlatform: options.platform !== undefined,
      // As the CLI: the whole index unless a platform is named; a docker-archive holds one image.
      allPlatforms: options.platform === undefined && dst.kind !== 'docker-archive',
      preserveDigests: options.preserveDigests === true,
      jobs: options.jobs ?? 4,
      retry: retryPolicy(options.retries),
      signal: rt.signal,
      onEvent: rt.emit,
    },
  });
}

/**
 * Copies an image from any source to any destination, as `ocipull copy SRC DST`: `docker://REF` or a bare
 * reference, `oci:DIR[:NAME]` (or `./DIR[:NAME]`), `oci-archive:FILE[:NAME]`, `docker-archive:FILE`. Registry to
 * registry is byte for byte. Resolves to the object `ocipull copy --json` prints.
 */
export function copy(source: string, destination: string, options: CopyOptions = {}): Promise<CopyResult> {
  return runOperation(`copy ${source}`, options, (rt) =>
    runCopy(rt, parseEndpoint(source), parseEndpoint(destination), options),
  );
}

/** Pushes a local layout or archive to a registry, as `ocipull push SOURCE REF`. */
export function push(source: string, reference: string, options: CopyOptions = {}): Promise<CopyResult> {
  return runOperation(`push ${source}`, options, async (rt) => {
    const src = await parseLocalSource(source);
    const dst = parseEndpoint(reference);
    if (dst.kind !== 'registry') {
      throw new OcipullError('E_USAGE', `push: ${JSON.stringify(reference)} is not a registry reference`, {
        hint: 'to write a layout or archive use copy(SOURCE, "oci:DIR")',
      });
    }
    return runCopy(rt, src, dst, options);
  });
}
