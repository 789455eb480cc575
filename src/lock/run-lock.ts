/**
 * `lock` and `verify` without a terminal: resolving and merging references into `ocipull.lock`, and re-resolving a
 * lockfile into a drift report. The CLI commands print these results (or their text form); the library returns
 * them. Each result is exactly the object the command prints with `--json`.
 */
import { resolve } from 'node:path';
import { isOcipullError, OcipullError } from '../errors.js';
import { type Digest, formatPlatform, hostPlatform, parsePlatform } from '../oci/types/index.js';
import { canonicalOf, parseReference, withDigest } from '../reference/index.js';
import { diffEntry, type EntryDiff, goneEntry, isDrift } from './diff.js';
import { readLockfile, writeLockfile } from './file.js';
import { checkLayout, type LayoutStatus } from './layout-check.js';
import { DEFAULT_LOCKFILE, type LockEntry, type Lockfile } from './lockfile.js';
import { readRefsFrom } from './read-list.js';
import { type ClientFor, Resolver, type WantedPlatforms } from './resolve.js';

/** `--platform` (repeatable) as the platforms to lock; none given means the host's, adapting to single images. */
export function wantedFrom(platforms: readonly string[] | undefined): WantedPlatforms {
  return platforms && platforms.length > 0
    ? { specs: platforms.map(parsePlatform), explicit: true }
    : { specs: [hostPlatform()], explicit: false };
}

/** The wanted platforms an existing entry was locked with. */
function wantedOf(entry: LockEntry): WantedPlatforms {
  return { specs: entry.want.map(parsePlatform), explicit: entry.want.length > 0 };
}

function sameList(wanted: WantedPlatforms, entry: LockEntry): boolean {
  if (!wanted.explicit) return true;
  const a = wanted.specs.map(formatPlatform);
  return a.length === entry.want.length && a.every((w, i) => w === entry.want[i]);
}

/** What `lock` did with one reference. */
export interface LockOutcome {
  /** The canonical reference, the lockfile's key. */
  reference: string;
  /** The reference as first written (kept from the lockfile for an existing entry). */
  input: string;
  /** `added`, `kept` (already locked, not re-resolved), `platforms` (new wanted platforms checked), `unchanged`
   * (`update`: the tag still names the locked digest) or `updated` (`update`: it moved; see `diff`). */
  status: 'added' | 'kept' | 'platforms' | 'unchanged' | 'updated';
  digest: string;
  diff?: EntryDiff | undefined;
}

/** The object `ocipull lock --json` prints. */
export interface LockResult {
  file: string;
  /** False when the lockfile's bytes did not change (it is then not rewritten). */
  written: boolean;
  /** Manifest GETs spent: what Docker Hub counts as pulls (HEADs are free). */
  pulls: number;
  images: LockOutcome[];
}

/** What `lock` takes besides the references. */
export interface LockRequest {
  file?: string | undefined;
  from?: readonly string[] | undefined;
  platforms?: readonly string[] | undefined;
  update?: boolean | undefined;
  /** Notes from the `from` readers (a line that names no image…). */
  warn?: ((message: string) => void) | undefined;
}

/**
 * Resolves references to digests (HEAD first, one manifest GET per new digest) and writes or merges the lockfile;
 * `update` re-resolves the named entries (every entry when none is named). Returns the result and the lockfile as
 * written.
 */
export async function runLock(
  refs: readonly string[],
  req: LockRequest,
  clientFor: ClientFor,
): Promise<{ result: LockResult; lock: Lockfile }> {
  const file = req.file ?? DEFAULT_LOCKFILE;
  const lock: Lockfile = await readLockfile(file, { missingOk: true });
  const inputs = [...refs];
  for (const from of req.from ?? []) {
    const read = await readRefsFrom(from);
    for (const w of read.warnings) req.warn?.(w);
    inputs.push(...read.refs.map((r) => r.input));
  }
  if (inputs.length === 0) {
    if (!req.update) {
      throw new OcipullError('E_USAGE', 'lock: name images to lock (REF..., or --from FILE)', {
        hint: 'ocipull lock debian:12 ghcr.io/org/app:1.2, or ocipull lock --update to re-resolve every entry',
      });
    }
    inputs.push(...Object.keys(lock.images));
  }
  const explicitWant = req.platforms && req.platforms.length > 0 ? wantedFrom(req.platforms) : undefined;
  const resolver = new Resolver(clientFor);
  const outcomes: LockOutcome[] = [];
  const seen = new Set<string>();
  for (const input of inputs) {
    const ref = parseReference(input);
    const key = canonicalOf(ref);
    if (seen.has(key)) continue;
    seen.add(key);
    const old = lock.images[key];
    let outcome: LockOutcome;
    if (!old) {
      const entry = await resolver.resolve(ref, input, explicitWant ?? wantedFrom(undefined));
      lock.images[key] = entry;
      outcome = { reference: key, input, status: 'added', digest: entry.digest };
    } else if (!req.update) {
      const sameWant = !explicitWant || sameList(explicitWant, old);
      if (sameWant) {
        outcome = { reference: key, input: old.input, status: 'kept', digest: old.digest };
      } else {
        // New platforms for a locked image: check them against the locked digest, not whatever the tag says now.
        const entry = await resolver.resolve(
          withDigest(ref, old.digest),
          old.input,
          explicitWant!,
          old.digest,
        );
        lock.images[key] = { ...entry, input: old.input };
        outcome = { reference: key, input: old.input, status: 'platforms', digest: entry.digest };
      }
    } else {
      const now = await resolver.head(ref);
      const wanted = explicitWant ?? wantedOf(old);
      if (now === old.digest && sameList(wanted, old)) {
        outcome = { reference: key, input: old.input, status: 'unchanged', digest: old.digest };
      } else {
        const entry = { ...(await resolver.resolve(ref, old.input, wanted, now)), input: old.input };
        lock.images[key] = entry;
        const diff = diffEntry(old, entry);
        outcome =
          diff.status === 'unchanged'
            ? { reference: key, input: old.input, status: 'platforms', digest: entry.digest }
            : { reference: key, input: old.input, status: 'updated', digest: entry.digest, diff };
      }
    }
    outcomes.push(outcome);
  }
  const written = await writeLockfile(file, lock);
  return { result: { file, written, pulls: resolver.pulls, images: outcomes }, lock };
}

/** One entry's verdict in a {@link VerifyResult}. */
export interface Verdict {
  reference: string;
  input: string;
  status: EntryDiff['status'] | 'error';
  old: string;
  new: string | null;
  platforms: EntryDiff['platforms'];
  /** Why the entry could not be checked (`status: 'error'`). */
  error?: { code: string; message: string } | undefined;
}

/** The object `ocipull verify --json` prints. */
export interface VerifyResult {
  file: string;
  /** Manifest GETs spent (one per digest that moved). */
  pulls: number;
  /** True when a wanted platform moved or a tag is gone: the command's exit code 10. */
  drift: boolean;
  /** True when an entry could not be checked (its verdict has `status: 'error'`). */
  errors: boolean;
  images: Verdict[];
}

/** The object `ocipull verify --layout DIR --json` prints. */
export interface LayoutVerifyResult {
  file: string;
  layout: string;
  /** True when a wanted image is missing from the layout or differs. */
  drift: boolean;
  images: LayoutStatus[];
}

const NOT_THERE = new Set(['E_MANIFEST_UNKNOWN', 'E_NAME_UNKNOWN', 'E_NOT_FOUND']);

/** Re-resolves one entry: a HEAD, and only when the digest moved, the GET that says which platforms moved. */
async function verifyEntry(resolver: Resolver, key: string, entry: LockEntry): Promise<EntryDiff> {
  const ref = parseReference(key);
  let now: Digest | undefined;
  try {
    now = await resolver.head(ref);
  } catch (err) {
    if (isOcipullError(err) && NOT_THERE.has(err.code)) return goneEntry(entry);
    throw err;
  }
  if (now === entry.digest) return { status: 'unchanged', old: entry.digest, new: now, platforms: [] };
  // Resolve without checking `want`: a wanted platform that disappeared is a move, not an error.
  const fresh = await resolver.resolve(ref, entry.input, { specs: [], explicit: true }, now);
  return diffEntry(entry, fresh);
}

/**
 * Re-resolves every locked reference (a HEAD each; a GET only for a digest that moved). An entry that cannot be
 * checked becomes an `error` verdict; the first such error is returned too (the command's exit code).
 */
export async function runVerify(
  file: string | undefined,
  clientFor: ClientFor,
  signal?: AbortSignal,
): Promise<{ result: VerifyResult; firstError: unknown }> {
  const path = file ?? DEFAULT_LOCKFILE;
  const lock = await readLockfile(path);
  const resolver = new Resolver(clientFor);
  const verdicts: Verdict[] = [];
  let firstError: unknown;
  for (const [key, entry] of Object.entries(lock.images).sort(([a], [b]) => a.localeCompare(b))) {
    try {
      const d = await verifyEntry(resolver, key, entry);
      verdicts.push({ reference: key, input: entry.input, ...d });
    } catch (err) {
      if (!isOcipullError(err) || err.code === 'E_INTERRUPTED' || signal?.aborted) throw err;
      firstError ??= err;
      verdicts.push({
        reference: key,
        input: entry.input,
        status: 'error',
        old: entry.digest,
        new: null,
        platforms: [],
        error: { code: err.code, message: err.message },
      });
    }
  }
  const drift = verdicts.some((v) => v.status !== 'error' && isDrift(v.status));
  return {
    result: { file: path, pulls: resolver.pulls, drift, errors: firstError !== undefined, images: verdicts },
    firstError,
  };
}

/** Checks offline that the layout `dir` holds the locked digests for the wanted platforms. */
export async function runVerifyLayout(file: string | undefined, dir: string): Promise<LayoutVerifyResult> {
  const path = file ?? DEFAULT_LOCKFILE;
  const lock = await readLockfile(path);
  const images = await checkLayout(resolve(dir), lock);
  return { file: path, layout: dir, drift: images.some((r) => r.status !== 'present'), images };
}
