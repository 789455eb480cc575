/**
 * `--mirror PREFIX=LOCATION[,digest-only|tag-only][,insecure]` and `OCIPULL_MIRRORS` (the same entries, separated
 * by commas or newlines).
 */

import { mirrorConfigError, q } from './config-error.js';
import { parseLocation, wildcardPrefixProblem } from './locations.js';
import type { PullFromMirror } from './types.js';

/** One mirror given on the command line or in the environment, for the entry whose prefix is `prefix`. */
export interface MirrorSpec {
  readonly prefix: string;
  readonly location: string;
  readonly insecure: boolean;
  readonly pullFromMirror: PullFromMirror;
  /** `--mirror` or `OCIPULL_MIRRORS`. */
  readonly origin: string;
}

/** Parses the values of a repeated `--mirror` flag: exactly one `PREFIX=LOCATION[,options]` each. */
export function parseMirrorFlags(values: readonly string[]): MirrorSpec[] {
  return values.map((v) => {
    const specs = parseMirrorList(v, '--mirror');
    if (specs.length !== 1) {
      throw mirrorConfigError(
        `--mirror ${q(v)}`,
        'give one PREFIX=LOCATION per --mirror',
        'repeat --mirror for more',
      );
    }
    return specs[0]!;
  });
}

/**
 * Parses `OCIPULL_MIRRORS` (or one flag value): items separated by commas or newlines; an item with `=` starts a
 * mirror, the items after it (`digest-only`, `tag-only`, `insecure`) are its options. Empty items are skipped.
 */
export function parseMirrorList(text: string, origin: string): MirrorSpec[] {
  const where = `${origin} ${q(text)}`;
  const specs: { prefix: string; location: string; options: string[] }[] = [];
  for (const item of text.split(/[,\n]/).map((s) => s.trim())) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq >= 0) {
      specs.push({ prefix: item.slice(0, eq).trim(), location: item.slice(eq + 1).trim(), options: [] });
    } else if (specs.length === 0) {
      throw mirrorConfigError(
        where,
        `${q(item)} is not PREFIX=LOCATION`,
        'e.g. docker.io=mirror.internal:5000',
      );
    } else {
      specs[specs.length - 1]!.options.push(item);
    }
  }
  return specs.map((s) => toSpec(s, where, origin));
}

function toSpec(
  s: { prefix: string; location: string; options: string[] },
  where: string,
  origin: string,
): MirrorSpec {
  const prefix = parseLocation(s.prefix);
  if ('problem' in prefix) throw mirrorConfigError(where, prefix.problem);
  if (prefix.value === '')
    throw mirrorConfigError(where, 'the PREFIX before "=" is empty', 'e.g. docker.io=mirror.internal:5000');
  const wildcard = wildcardPrefixProblem(prefix.value);
  if (wildcard !== null) throw mirrorConfigError(where, wildcard);
  const location = parseLocation(s.location);
  if ('problem' in location) {
    throw mirrorConfigError(
      where,
      location.problem,
      'write host[:port][/path]; add ",insecure" for plain HTTP',
    );
  }
  if (location.value === '') throw mirrorConfigError(where, 'the LOCATION after "=" is empty');
  let insecure = false;
  let pullFromMirror: PullFromMirror = '';
  for (const option of s.options) {
    if (option === 'insecure' && !insecure) insecure = true;
    else if ((option === 'digest-only' || option === 'tag-only') && pullFromMirror === '')
      pullFromMirror = option;
    else {
      throw mirrorConfigError(
        where,
        `unknown or repeated option ${q(option)}`,
        'options are one of digest-only or tag-only, and insecure',
      );
    }
  }
  return { prefix: prefix.value, location: location.value, insecure, pullFromMirror, origin };
}
