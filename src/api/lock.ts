/** `lock` and `verify` for the library: the CLI's work (`lock/run-lock.ts`), with clients from the options. */
import {
  type LayoutVerifyResult,
  type LockResult,
  runLock,
  runVerify,
  runVerifyLayout,
  type VerifyResult,
} from '../lock/index.js';
import type { Reference } from '../reference/index.js';
import type { RegistryClient } from '../registry/client/index.js';
import { type CommonOptions, type Runtime, runOperation } from './options.js';

/** Options of {@link lock}. */
export interface LockOptions extends CommonOptions {
  /** The lockfile to create or merge into (default `ocipull.lock` in the working directory). */
  file?: string | undefined;
  /** Platforms (`os/arch[/variant]`) to lock, each must exist; default the host's, adapting to single images. */
  platforms?: readonly string[] | undefined;
  /** Also lock the images named in these files: lists, compose files, Dockerfiles (`--from`). */
  from?: readonly string[] | undefined;
  /** Re-resolve entries already locked (all of them when no reference is given), as `--update`. */
  update?: boolean | undefined;
}

/** Options of {@link verify}. */
export interface VerifyOptions extends CommonOptions {
  /** The lockfile to check (default `ocipull.lock` in the working directory). */
  file?: string | undefined;
  /** Check offline that this OCI layout holds the locked images instead of asking the registries. */
  layout?: string | undefined;
}

/** Clients opened on demand, one per repository, closed together when the call ends. */
async function withPool<T>(
  rt: Runtime,
  body: (clientFor: (ref: Reference) => Promise<RegistryClient>) => Promise<T>,
): Promise<T> {
  const clients = new Map<string, Promise<RegistryClient>>();
  const clientFor = (ref: Reference): Promise<RegistryClient> => {
    const key = `${ref.domain}/${ref.path}`;
    let client = clients.get(key);
    if (!client) {
      client = rt.openDirect(ref.domain, ref.path);
      clients.set(key, client);
    }
    return client;
  };
  try {
    return await body(clientFor);
  } finally {
    await Promise.all([...clients.values()].map(async (c) => (await c.catch(() => undefined))?.close()));
  }
}

/**
 * Resolves references to digests (a HEAD first, then one manifest GET per new digest: the only Docker Hub pull
 * spent) and writes or merges them into the lockfile, which is rewritten only when its bytes change. The object
 * `ocipull lock --json` prints. With `update`, re-resolves locked entries and reports old → new.
 */
export function lock(references: string | readonly string[], options: LockOptions = {}): Promise<LockResult> {
  const refs = typeof references === 'string' ? [references] : [...references];
  return runOperation('lock', options, (rt) =>
    withPool(rt, async (clientFor) => {
      const { result } = await runLock(
        refs,
        {
          file: options.file,
          from: options.from,
          platforms: options.platforms,
          update: options.update,
          warn: rt.warn,
        },
        clientFor,
      );
      return result;
    }),
  );
}

/**
 * Re-resolves every locked reference (a HEAD each; a GET only for a digest that moved) and reports each as
 * `unchanged`, `moved`, `index-moved` (platforms unchanged) or `gone`: the object `ocipull verify --json` prints.
 * Drift is an answer, not an error (`drift: true`); an entry that cannot be checked is an `error` verdict
 * (`errors: true`). With `layout`, checks offline that the layout holds the locked images
 * (`ocipull verify --layout DIR --json`).
 */
export function verify(options: VerifyOptions & { layout: string }): Promise<LayoutVerifyResult>;
export function verify(options?: VerifyOptions & { layout?: undefined }): Promise<VerifyResult>;
export function verify(options?: VerifyOptions): Promise<VerifyResult | LayoutVerifyResult>;
export function verify(options: VerifyOptions = {}): Promise<VerifyResult | LayoutVerifyResult> {
  const layout = options.layout;
  return runOperation<VerifyResult | LayoutVerifyResult>('verify', options, (rt) =>
    layout
      ? runVerifyLayout(options.file, layout)
      : withPool(rt, async (clientFor) => (await runVerify(options.file, clientFor, rt.signal)).result),
  );
}
