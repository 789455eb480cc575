import { basename, dirname, join, resolve } from 'node:path';
import { writeArchiveFile, writeOciArchive } from '../../archive/index.js';
import {
  type CopyResult,
  copyImage,
  type ImageDestination,
  type ImageSource,
  LayoutDestination,
  RegistryDestination,
  RegistrySource,
} from '../../copy/index.js';
import { exitCodeFor, isOcipullError, type OcipullError } from '../../errors.js';
import {
  DEFAULT_LOCKFILE,
  type LockEntry,
  mirrorReference,
  parseSyncTarget,
  readLockfile,
  type SyncTarget,
  wantedDigest,
} from '../../lock/index.js';
import type { Digest } from '../../oci/types/index.js';
import { formatBytes } from '../../progress/index.js';
import { canonicalOf, parseReference, type Reference, withDigest } from '../../reference/index.js';
import {
  manifestExists,
  type RegistryClient,
  repositoryOn,
  retryPolicy,
} from '../../registry/client/index.js';
import { ClientPool } from '../client-pool.js';
import type { CommandContext } from '../context.js';
import { copyOptions } from '../copy-options.js';
import { blockedCheck } from '../open-client.js';
import type { RegistryFlags } from '../registry-options.js';
import { type PullFlags, progressSink } from './pull.js';

/** Flags of `ocipull sync`. */
export interface SyncFlags extends RegistryFlags {
  file?: string;
  scoped?: boolean;
  allPlatforms?: boolean;
  keepGoing?: boolean;
  dryRun?: boolean;
  srcCreds?: string;
  srcCertDir?: string;
  srcTlsVerify?: boolean;
  jobs?: number;
  progress?: PullFlags['progress'];
  json?: boolean;
}

/** One image of the sync: where it comes from and goes, and which part of it. */
interface SyncItem {
  key: string;
  entry: LockEntry;
  source: Reference;
  /** The whole index, or the one wanted platform. */
  all: boolean;
  platform?: string | undefined;
  /** What the destination must end up holding (the index, or the platform's image). */
  digest: Digest;
  destination: string;
  destRef?: Reference | undefined;
}

/** Keeps a shared client open when one copy's source or destination is closed. */
function keepOpen<T extends ImageSource | ImageDestination>(end: T): T {
  return new Proxy(end, {
    get(target, prop, receiver) {
      if (prop === 'close') return async () => undefined;
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

function planItem(key: string, entry: LockEntry, target: SyncTarget, flags: SyncFlags): SyncItem {
  const named = parseReference(key);
  const source = withDigest(named, entry.digest);
  const isIndex = !Object.values(entry.platforms).some((p) => p.digest === entry.digest);
  // An index cannot be narrowed to several platforms without a new digest: more than one wanted takes it whole.
  const all = flags.allPlatforms === true || !isIndex || entry.want.length !== 1;
  const platform = all ? undefined : entry.want[0];
  const digest = platform ? (wantedDigest(entry, platform) ?? entry.digest) : entry.digest;
  if (target.kind === 'registry') {
    const destRef = mirrorReference(target, named, flags.scoped === true);
    return { key, entry, source, all, platform, digest, destination: canonicalOf(destRef), destRef };
  }
  return { key, entry, source, all, platform, digest, destination: `${target.kind}:${target.path}:${key}` };
}

function describe(item: SyncItem): string {
  const single = Object.entries(item.entry.platforms).find(([, p]) => p.digest === item.entry.digest)?.[0];
  return `${item.key} → ${item.destination} (${item.platform ?? single ?? 'all platforms'}, ${item.digest})`;
}

/**
 * `ocipull sync --file F DEST`: copies every locked image, by digest, in one process: to a registry prefix (one
 * destination client per registry, reused), into one OCI layout, or into one oci-archive (staged in a layout beside
 * it, so a re-sync moves only what changed).
 */
export async function syncCommand([dest]: [string], flags: SyncFlags, ctx: CommandContext): Promise<number> {
  const file = flags.file ?? DEFAULT_LOCKFILE;
  const lock = await readLockfile(file);
  const target = parseSyncTarget(dest);
  const items = Object.keys(lock.images)
    .sort()
    .map((key) => planItem(key, lock.images[key]!, target, flags));
  // The sources get only their own flags: --tls-verify=false or --plain-http meant for the mirror must not
  // weaken the connections to docker.io and every other source (nor let their credentials travel in the clear).
  const sources = new ClientPool(
    {
      creds: flags.srcCreds,
      authfile: flags.authfile,
      retries: flags.retries,
      certDir: flags.srcCertDir,
      tlsVerify: flags.srcTlsVerify,
    },
    ctx,
    blockedCheck(ctx, 'sync'),
  );
  const destPool = new ClientPool(flags, ctx);
  const destinations = new Map<string, Promise<RegistryClient>>();
  const destClient = (ref: Reference) => {
    let c = destinations.get(ref.domain);
    if (!c) {
      c = destPool.get({ domain: ref.domain, path: ref.path });
      destinations.set(ref.domain, c);
    }
    return c;
  };
  const staging =
    target.kind === 'oci-archive'
      ? join(dirname(resolve(target.path)), `.${basename(target.path)}.layout`)
      : target.kind === 'oci'
        ? resolve(target.path)
        : undefined;
  const done: { item: SyncItem; result?: CopyResult; present?: boolean }[] = [];
  const failures: { item: SyncItem; error: unknown }[] = [];
  try {
    for (const item of items) {
      try {
        if (flags.dryRun) {
          const present =
            item.destRef !== undefined
              ? await manifestExists(await destClient(item.destRef), item.destRef.path, item.digest)
              : undefined;
          done.push({ item, present });
          if (!flags.json)
            ctx.io.stdout.write(`${present ? 'present   ' : 'would copy'} ${describe(item)}\n`);
          continue;
        }
        const source = keepOpen(
          new RegistrySource(repositoryOn(await sources.get(item.source), item.source.path), item.source),
        );
        const destination: ImageDestination =
          item.destRef !== undefined
            ? keepOpen(
                new RegistryDestination(await destClient(item.destRef), item.destRef, {
                  retry: retryPolicy(flags.retries),
                }),
              )
            : new LayoutDestination(staging!, {
                refName: item.key,
                imageName: item.key,
                verify: false,
                signal: ctx.signal,
              });
        const sink = progressSink(flags, ctx);
        try {
          const result = await copyImage(source, destination, {
            ...copyOptions({ ...flags, platform: item.platform }, ctx, sink, item.all),
          });
          done.push({ item, result });
          if (!flags.json) {
            ctx.io.stdout.write(
              `synced ${describe(item)}: ${result.blobs.copied} blobs copied (${formatBytes(result.bytes.copied)}), ${result.blobs.existing + result.blobs.mounted} already there\n`,
            );
          }
        } finally {
          sink.close();
          await destination.close();
        }
      } catch (err) {
        if (ctx.signal.aborted || !isOcipullError(err) || err.code === 'E_INTERRUPTED' || !flags.keepGoing)
          throw err;
        failures.push({ item, error: err });
        if (!flags.json) ctx.io.stderr.write(`ocipull: sync ${item.key}: ${err.message}\n`);
      }
    }
    if (target.kind === 'oci-archive' && !flags.dryRun && done.length > 0) {
      await writeArchiveFile(target.path, (out) => writeOciArchive(staging!, out, { signal: ctx.signal }));
    }
  } finally {
    await sources.close();
    await Promise.all([...destinations.values()].map(async (c) => (await c.catch(() => undefined))?.close()));
  }
  const copied = done.reduce((n, d) => n + (d.result?.blobs.copied ?? 0), 0);
  const bytes = done.reduce((n, d) => n + (d.result?.bytes.copied ?? 0), 0);
  const existing = done.reduce(
    (n, d) => n + (d.result ? d.result.blobs.existing + d.result.blobs.mounted : 0),
    0,
  );
  if (flags.json) {
    ctx.io.stdout.write(
      `${JSON.stringify({
        file,
        destination: dest,
        dryRun: flags.dryRun === true,
        images: done.map(({ item, result, present }) => ({
          reference: item.key,
          destination: item.destination,
          digest: item.digest,
          platform: item.platform ?? null,
          ...(present !== undefined ? { present } : {}),
          ...(result ? { blobs: result.blobs, bytes: result.bytes } : {}),
        })),
        blobs: { copied, existing },
        failures: failures.map(({ item, error }) => ({
          reference: item.key,
          code: (error as OcipullError).code,
          message: (error as Error).message,
        })),
      })}\n`,
    );
  } else if (!flags.dryRun) {
    ctx.io.stdout.write(
      `Synced ${done.length} of ${items.length} images to ${dest}: ${copied} blobs copied (${formatBytes(bytes)}), ${existing} already there\n`,
    );
  }
  if (failures.length > 0) {
    if (!flags.json)
      ctx.io.stderr.write(
        `ocipull: sync: ${failures.length} failed: ${failures.map((f) => f.item.key).join(', ')}\n`,
      );
    return exitCodeFor(failures[0]!.error);
  }
  return 0;
}
