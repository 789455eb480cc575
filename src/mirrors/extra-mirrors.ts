/**
 * Adding the mirrors of `--mirror`, `OCIPULL_MIRRORS` and daemon.json to a configuration, and `--no-mirrors`.
 */

import { mirrorConfigError, q } from './config-error.js';
import { findRegistry, refMatchingPrefix, sortByPrefix } from './match.js';
import type { MirrorSpec } from './mirror-spec.js';
import type { MirrorEntry, RegistriesConfig, RegistryEntry } from './types.js';

/**
 * Puts `front` mirrors before, and `back` mirrors after, the file's mirrors of the `[[registry]]` whose prefix is
 * exactly each spec's prefix. When no entry has that prefix, one is made that behaves for every reference under it
 * exactly as the entry that caught it before (same rewritten location, insecure, blocked, mirror-by-digest-only
 * and mirrors) or, with none, as a plain entry `prefix = location = PREFIX`; so adding a mirror never unblocks or
 * re-routes anything. A longer prefix in the files still wins for the references it matches.
 */
export function addMirrors(
  config: RegistriesConfig,
  front: readonly MirrorSpec[],
  back: readonly MirrorSpec[] = [],
): RegistriesConfig {
  if (front.length === 0 && back.length === 0) return config;
  const byPrefix = new Map(config.registries.map((r) => [r.prefix, r] as const));
  const prefixes = [...new Set([...front, ...back].map((s) => s.prefix))];
  for (const prefix of prefixes) {
    const origin = [...front, ...back].find((s) => s.prefix === prefix)!.origin;
    const entry = byPrefix.get(prefix) ?? entryFor(config.registries, prefix, origin);
    const toMirror = (s: MirrorSpec): MirrorEntry => {
      if (entry.mirrorByDigestOnly && s.pullFromMirror !== '') {
        throw mirrorConfigError(
          `${s.origin} ${q(`${s.prefix}=${s.location},${s.pullFromMirror}`)}`,
          `[[registry]] prefix ${q(prefix)} in ${entry.origin} sets mirror-by-digest-only, which cannot be combined with a per-mirror ${s.pullFromMirror}`,
          'drop the option: that entry already uses its mirrors for digest references only',
        );
      }
      return {
        location: s.location,
        insecure: s.insecure,
        pullFromMirror: s.pullFromMirror,
        origin: s.origin,
      };
    };
    byPrefix.set(prefix, {
      ...entry,
      mirrors: [
        ...front.filter((s) => s.prefix === prefix).map(toMirror),
        ...entry.mirrors,
        ...back.filter((s) => s.prefix === prefix).map(toMirror),
      ],
    });
  }
  return { ...config, registries: sortByPrefix([...byPrefix.values()]) };
}

/** `--no-mirrors`: every entry keeps its prefix, location, insecure and blocked, but has no mirrors. */
export function withoutMirrors(config: RegistriesConfig): RegistriesConfig {
  return { ...config, registries: config.registries.map((r) => ({ ...r, mirrors: [] })) };
}

/** A new entry for `prefix` equivalent, under that prefix, to the entry that matched it before. */
function entryFor(registries: readonly RegistryEntry[], prefix: string, origin: string): RegistryEntry {
  const parent = findRegistry(registries, prefix);
  if (parent === null) {
    return {
      prefix,
      location: prefix.startsWith('*.') ? '' : prefix,
      insecure: false,
      blocked: false,
      mirrorByDigestOnly: false,
      mirrors: [],
      origin,
    };
  }
  const rest = prefix.slice(refMatchingPrefix(prefix, parent.prefix));
  const under = (location: string) =>
    location === '' ? (prefix.startsWith('*.') ? '' : prefix) : location + rest;
  return {
    ...parent,
    prefix,
    location: under(parent.location),
    mirrors: parent.mirrors.map((m) => ({ ...m, location: m.location + rest })),
  };
}
