/**
 * One registries.conf file → its validated, normalized configuration: containers/image's `loadConfigFile` and
 * `postProcessRegistries`, with the same refusals (see `docs/containers-registries.conf.5.md` and
 * `TestInvalidV2Configs` in `system_registries_v2_test.go`). The v1 format is refused, never converted.
 */

import { parse, TomlError } from 'smol-toml';
import type { OcipullError } from '../errors.js';
import { inFile, mirrorConfigError, q } from './config-error.js';
import { isWildcardPrefix, parseLocation, wildcardPrefixProblem } from './locations.js';
import { sortByPrefix } from './match.js';
import {
  describeSchemaError,
  isV1,
  type RegistriesConfDocument,
  RegistriesConfSchema,
  unknownKeys,
} from './schema.js';
import { aliasesProblem, parseSearchRegistries } from './short-names.js';
import type { MirrorEntry, PullFromMirror, RegistriesConfig, RegistryEntry, ShortNameMode } from './types.js';

const PULL_FROM_MIRROR = new Set(['all', 'digest-only', 'tag-only']);
const SHORT_NAME_MODES = new Set(['enforcing', 'permissive', 'disabled']);

/**
 * Parses and validates one file. Throws `E_MIRROR_CONFIG` naming `path` for anything containers/image refuses:
 * bad TOML or types, the v1 format, and every `postProcessRegistries` rule.
 */
export function parseRegistriesConf(text: string, path: string): RegistriesConfig {
  const fail = (problem: string, hint?: string): OcipullError =>
    mirrorConfigError(inFile(path), problem, hint);
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    throw fail(`invalid TOML at line ${err.line}, column ${err.column}: ${err.message.split('\n')[0]}`);
  }
  const checked = RegistriesConfSchema.safeParse(raw);
  if (!checked.success) throw fail(describeSchemaError(checked.error));
  const doc = checked.data;
  if (isV1(doc)) {
    throw fail(
      'the v1 format ([registries.search], [registries.insecure], [registries.block]) is not supported',
      'rewrite it in the v2 format: unqualified-search-registries = [...] and [[registry]] tables with ' +
        'location, insecure and blocked (see containers-registries.conf(5))',
    );
  }

  const registries = postProcessRegistries(doc, path, fail);
  let unqualifiedSearchRegistries: string[] | null = null;
  if (doc['unqualified-search-registries'] !== undefined) {
    const search = parseSearchRegistries(doc['unqualified-search-registries']);
    if ('problem' in search) throw fail(search.problem);
    unqualifiedSearchRegistries = search.value;
  }
  let shortNameMode: ShortNameMode | null = null;
  const mode = doc['short-name-mode'];
  if (mode !== undefined && mode !== '') {
    if (!SHORT_NAME_MODES.has(mode)) throw fail(`invalid short-name mode: ${q(mode)}`);
    shortNameMode = mode as ShortNameMode;
  }
  for (const reg of registries) {
    const problem = wildcardPrefixProblem(reg.prefix);
    if (problem !== null) throw fail(problem);
  }
  const aliases = doc.aliases ?? {};
  const aliasProblem = aliasesProblem(aliases);
  if (aliasProblem !== null) throw fail(`validating short-name aliases: ${aliasProblem}`);

  const notes = unknownKeys(doc).map((k) => `${path}: ignoring unknown key ${q(k)}`);
  if (doc['credential-helpers'] !== undefined || doc['additional-layer-store-auth-helper'] !== undefined) {
    notes.push(`${path}: credential-helpers and additional-layer-store-auth-helper are not used by ocipull`);
  }
  return {
    registries,
    unqualifiedSearchRegistries,
    shortNameMode,
    aliases: { ...aliases },
    credentialHelpers: doc['credential-helpers'] ?? null,
    files: [path],
    notes,
  };
}

/** `postProcessRegistries`: defaults, refusals, conflicts, then unique prefixes (first wins), sorted. */
function postProcessRegistries(
  doc: RegistriesConfDocument,
  origin: string,
  fail: (problem: string) => OcipullError,
): RegistryEntry[] {
  const entries: RegistryEntry[] = [];
  (doc.registry ?? []).forEach((reg, index) => {
    const at = `[[registry]] #${index + 1}`;
    const location = value(parseLocation(reg.location ?? ''), fail);
    let prefix: string;
    if ((reg.prefix ?? '') === '') {
      if (location === '') throw fail(`${at}: invalid condition: both location and prefix are unset`);
      prefix = location;
    } else {
      prefix = value(parseLocation(reg.prefix ?? ''), fail);
      if (!isWildcardPrefix(prefix) && location === '') {
        throw fail(
          `${at} (prefix ${q(prefix)}): invalid condition: location is unset and prefix is not in the format *.example.com`,
        );
      }
    }
    const named = `${at} (prefix ${q(prefix)})`;
    if ((reg['pull-from-mirror'] ?? '') !== '') {
      throw fail(
        `${named}: pull-from-mirror must not be set for a non-mirror registry; set it on a [[registry.mirror]]`,
      );
    }
    const mirrorByDigestOnly = reg['mirror-by-digest-only'] ?? false;
    const mirrors: MirrorEntry[] = (reg.mirror ?? []).map((mir, j) => {
      const mirrorLocation = value(parseLocation(mir.location ?? ''), fail);
      const mirrorAt = `${named}, [[registry.mirror]] #${j + 1}`;
      if (mirrorLocation === '') throw fail(`${mirrorAt}: invalid condition: mirror location is unset`);
      const pullFromMirror = mir['pull-from-mirror'] ?? '';
      if (mirrorByDigestOnly && pullFromMirror !== '') {
        throw fail(
          `${named}: cannot set mirror usage mirror-by-digest-only for the registry and pull-from-mirror for mirror ${q(mirrorLocation)} at the same time`,
        );
      }
      if (pullFromMirror !== '' && !PULL_FROM_MIRROR.has(pullFromMirror)) {
        throw fail(
          `${mirrorAt}: unsupported pull-from-mirror value ${q(pullFromMirror)} (use "all", "digest-only" or "tag-only")`,
        );
      }
      return {
        location: mirrorLocation,
        insecure: mir.insecure ?? false,
        pullFromMirror: pullFromMirror as PullFromMirror,
        origin,
      };
    });
    entries.push({
      prefix,
      location,
      insecure: reg.insecure ?? false,
      blocked: reg.blocked ?? false,
      mirrorByDigestOnly,
      mirrors,
      origin,
    });
  });
  checkConflicts(entries, fail);

  // "the first longest prefix always wins, rendering later items with the same prefix non-existent"
  const unique = new Map<string, RegistryEntry>();
  for (const entry of entries) if (!unique.has(entry.prefix)) unique.set(entry.prefix, entry);
  return sortByPrefix([...unique.values()]);
}

/** Entries naming the same location (the prefix, for a wildcard without one) must agree on insecure and blocked. */
function checkConflicts(entries: readonly RegistryEntry[], fail: (problem: string) => OcipullError): void {
  const seen = new Map<string, RegistryEntry>();
  for (const entry of entries) {
    const key = entry.location === '' ? entry.prefix : entry.location;
    const other = seen.get(key);
    if (other === undefined) {
      seen.set(key, entry);
      continue;
    }
    for (const field of ['insecure', 'blocked'] as const) {
      if (entry[field] !== other[field]) {
        throw fail(`registry ${q(key)} is defined multiple times with conflicting ${q(field)} setting`);
      }
    }
  }
}

function value(
  result: { value: string } | { problem: string },
  fail: (problem: string) => OcipullError,
): string {
  if ('problem' in result) throw fail(result.problem);
  return result.value;
}
