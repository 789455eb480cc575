import { resolve } from 'node:path';
import { ExitCode, exitCodeFor, isOcipullError } from '../../errors.js';
import {
  checkLayout,
  DEFAULT_LOCKFILE,
  diffEntry,
  type EntryDiff,
  goneEntry,
  isDrift,
  type LockEntry,
  Resolver,
  readLockfile,
} from '../../lock/index.js';
import type { Digest } from '../../oci/types/index.js';
import { parseReference } from '../../reference/index.js';
import { ClientPool } from '../client-pool.js';
import type { CommandContext } from '../context.js';
import type { RegistryFlags } from '../registry-options.js';

/** Flags of `ocipull verify`. */
export interface VerifyFlags extends RegistryFlags {
  file?: string;
  layout?: string;
  json?: boolean;
}

/** One entry's verdict. */
interface Verdict {
  reference: string;
  input: string;
  status: EntryDiff['status'] | 'error';
  old: string;
  new: string | null;
  platforms: EntryDiff['platforms'];
  error?: { code: string; message: string } | undefined;
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

function formatVerdict(v: Verdict): string {
  switch (v.status) {
    case 'unchanged':
      return `unchanged  ${v.reference} ${v.old}\n`;
    case 'gone':
      return `gone       ${v.reference}: the tag no longer resolves (locked ${v.old}; pull --locked still pulls it by digest)\n`;
    case 'error':
      return `error      ${v.reference}: ${v.error!.message}\n`;
    default: {
      const head =
        v.status === 'moved'
          ? `moved      ${v.reference} ${v.old} → ${v.new}`
          : `index moved, your platforms unchanged: ${v.reference} ${v.old} → ${v.new}`;
      const lines = [head];
      for (const p of v.platforms)
        lines.push(`  ${p.platform}${p.wanted ? ' (wanted)' : ''}: ${p.old ?? '-'} → ${p.new ?? '-'}`);
      return `${lines.join('\n')}\n`;
    }
  }
}

/** `verify --layout DIR`: offline, the layout holds the locked digests for the wanted platforms. */
async function verifyLayout(
  file: string,
  dir: string,
  flags: VerifyFlags,
  ctx: CommandContext,
): Promise<number> {
  const lock = await readLockfile(file);
  const results = await checkLayout(resolve(dir), lock);
  const bad = results.filter((r) => r.status !== 'present');
  if (flags.json) {
    ctx.io.stdout.write(`${JSON.stringify({ file, layout: dir, drift: bad.length > 0, images: results })}\n`);
  } else {
    for (const r of results) {
      const detail = r.missing.map((m) => `${m.platform ?? 'image'} ${m.digest}`).join(', ');
      ctx.io.stdout.write(
        r.status === 'present'
          ? `present    ${r.reference}\n`
          : `${r.status.padEnd(10)} ${r.reference}: not in ${dir}: ${detail}${r.found ? `; the layout holds ${r.found.join(', ')}` : ''}\n`,
      );
    }
    ctx.io.stdout.write(`${results.length - bad.length} of ${results.length} images present in ${dir}\n`);
  }
  return bad.length > 0 ? ExitCode.drift : ExitCode.ok;
}

/**
 * `ocipull verify [--file F] [--layout DIR]`: re-resolves every locked reference (a HEAD each; a GET only for a
 * digest that moved) and reports `unchanged`, `moved` or `index moved, your platforms unchanged`. Exit 0 when
 * nothing wanted moved, 10 on drift, the error's own code when an entry could not be checked.
 */
export async function verifyCommand(_args: [], flags: VerifyFlags, ctx: CommandContext): Promise<number> {
  const file = flags.file ?? DEFAULT_LOCKFILE;
  if (flags.layout) return verifyLayout(file, flags.layout, flags, ctx);
  const lock = await readLockfile(file);
  const pool = new ClientPool(flags, ctx);
  const resolver = new Resolver(pool.get);
  const verdicts: Verdict[] = [];
  let firstError: unknown;
  try {
    for (const [key, entry] of Object.entries(lock.images).sort(([a], [b]) => a.localeCompare(b))) {
      try {
        const d = await verifyEntry(resolver, key, entry);
        verdicts.push({ reference: key, input: entry.input, ...d });
      } catch (err) {
        if (!isOcipullError(err) || err.code === 'E_INTERRUPTED') throw err;
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
  } finally {
    await pool.close();
  }
  const drift = verdicts.some((v) => v.status !== 'error' && isDrift(v.status));
  if (flags.json) {
    ctx.io.stdout.write(
      `${JSON.stringify({ file, pulls: resolver.pulls, drift, errors: firstError !== undefined, images: verdicts })}\n`,
    );
  } else {
    for (const v of verdicts) ctx.io.stdout.write(formatVerdict(v));
    const count = (s: Verdict['status']) => verdicts.filter((v) => v.status === s).length;
    ctx.io.stdout.write(
      `${count('unchanged')} unchanged, ${count('moved')} moved, ${count('index-moved')} index moved (platforms unchanged), ${count('gone')} gone, ${count('error')} errors; ${resolver.pulls} manifest GETs\n`,
    );
  }
  if (firstError !== undefined) return exitCodeFor(firstError);
  return drift ? ExitCode.drift : ExitCode.ok;
}
