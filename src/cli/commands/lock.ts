import { OcipullError } from '../../errors.js';
import {
  DEFAULT_LOCKFILE,
  diffEntry,
  type EntryDiff,
  type LockEntry,
  type Lockfile,
  Resolver,
  readLockfile,
  readRefsFrom,
  type WantedPlatforms,
  writeLockfile,
} from '../../lock/index.js';
import { formatPlatform, hostPlatform, parsePlatform } from '../../oci/types/index.js';
import { canonicalOf, parseReference, withDigest } from '../../reference/index.js';
import { ClientPool } from '../client-pool.js';
import type { CommandContext } from '../context.js';
import type { RegistryFlags } from '../registry-options.js';

/** Flags of `ocipull lock`. */
export interface LockFlags extends RegistryFlags {
  file?: string;
  from?: string[];
  platform?: string[];
  update?: boolean;
  json?: boolean;
}

/** `--platform` (repeatable) as the platforms to lock; none given means the host's, adapting to single images. */
export function wantedFrom(platforms: string[] | undefined): WantedPlatforms {
  return platforms && platforms.length > 0
    ? { specs: platforms.map(parsePlatform), explicit: true }
    : { specs: [hostPlatform()], explicit: false };
}

/** The wanted platforms an existing entry was locked with. */
function wantedOf(entry: LockEntry): WantedPlatforms {
  return { specs: entry.want.map(parsePlatform), explicit: entry.want.length > 0 };
}

/** What `lock` did with one reference. */
interface LockOutcome {
  reference: string;
  input: string;
  status: 'added' | 'kept' | 'platforms' | 'unchanged' | 'updated';
  digest: string;
  diff?: EntryDiff | undefined;
}

function formatOutcome(o: LockOutcome, entry: LockEntry): string {
  const platforms = Object.keys(entry.platforms);
  const what = `${entry.mediaType.includes('index') || entry.mediaType.includes('list') ? 'index' : 'image'}; ${platforms.length ? platforms.join(', ') : 'no platform'}; want ${entry.want.join(', ') || '-'}`;
  switch (o.status) {
    case 'added':
      return `locked     ${o.reference} ${o.digest} (${what})\n`;
    case 'platforms':
      return `want       ${o.reference} ${o.digest} (${what})\n`;
    case 'kept':
    case 'unchanged':
      return `${o.status.padEnd(10)} ${o.reference} ${o.digest}\n`;
    case 'updated': {
      const d = o.diff!;
      const lines = [`updated    ${o.reference} ${d.old} → ${d.new}`];
      for (const p of d.platforms)
        lines.push(`  ${p.platform}${p.wanted ? ' (wanted)' : ''}: ${p.old ?? '-'} → ${p.new ?? '-'}`);
      if (d.status === 'index-moved') lines.push('  index moved, your platforms unchanged');
      return `${lines.join('\n')}\n`;
    }
  }
}

/**
 * `ocipull lock REF... [--from FILE] [--platform P]... [--update]`: resolves references to digests (HEAD first, one
 * manifest GET per new digest) and writes or merges `ocipull.lock`; `--update` re-resolves and prints old → new.
 */
export async function lockCommand(
  [refs]: [string[]],
  flags: LockFlags,
  ctx: CommandContext,
): Promise<number> {
  const file = flags.file ?? DEFAULT_LOCKFILE;
  const lock: Lockfile = await readLockfile(file, { missingOk: true });
  const inputs = [...refs];
  for (const from of flags.from ?? []) {
    const read = await readRefsFrom(from);
    for (const w of read.warnings) ctx.info(`warning: ${w}`);
    inputs.push(...read.refs.map((r) => r.input));
  }
  if (inputs.length === 0) {
    if (!flags.update) {
      throw new OcipullError('E_USAGE', 'lock: name images to lock (REF..., or --from FILE)', {
        hint: 'ocipull lock debian:12 ghcr.io/org/app:1.2, or ocipull lock --update to re-resolve every entry',
      });
    }
    inputs.push(...Object.keys(lock.images));
  }
  const explicitWant = flags.platform && flags.platform.length > 0 ? wantedFrom(flags.platform) : undefined;
  const pool = new ClientPool(flags, ctx);
  const resolver = new Resolver(pool.get);
  const outcomes: LockOutcome[] = [];
  const seen = new Set<string>();
  try {
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
      } else if (!flags.update) {
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
  } finally {
    await pool.close();
  }
  const written = await writeLockfile(file, lock);
  if (flags.json) {
    ctx.io.stdout.write(`${JSON.stringify({ file, written, pulls: resolver.pulls, images: outcomes })}\n`);
  } else {
    for (const o of outcomes) ctx.io.stdout.write(formatOutcome(o, lock.images[o.reference]!));
    ctx.io.stdout.write(
      `${written ? 'Wrote' : 'Unchanged:'} ${file} (${Object.keys(lock.images).length} images; ${resolver.pulls} manifest GET${resolver.pulls === 1 ? '' : 's'} spent)\n`,
    );
  }
  return 0;
}

function sameList(wanted: WantedPlatforms, entry: LockEntry): boolean {
  if (!wanted.explicit) return true;
  const a = wanted.specs.map(formatPlatform);
  return a.length === entry.want.length && a.every((w, i) => w === entry.want[i]);
}
