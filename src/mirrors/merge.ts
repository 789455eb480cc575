/**
 * Merging a drop-in into what the files before it gave: containers/image's `updateWithConfigurationFrom`.
 */

import { sortByPrefix } from './match.js';
import type { RegistriesConfig, RegistryEntry } from './types.js';

/**
 * Returns `base` updated by `update`: a `[[registry]]` with the same prefix replaces the earlier one whole (mirrors
 * and all), new prefixes are added, and the list is sorted again. `unqualified-search-registries` and
 * `credential-helpers` are replaced whenever the later file sets the key (even to `[]`), `short-name-mode` when it
 * is set, and aliases merge per name (an empty value erases one).
 */
export function mergeConfig(base: RegistriesConfig, update: RegistriesConfig): RegistriesConfig {
  const byPrefix = new Map<string, RegistryEntry>();
  for (const reg of base.registries) byPrefix.set(reg.prefix, reg);
  for (const reg of update.registries) byPrefix.set(reg.prefix, reg);
  return {
    registries: sortByPrefix([...byPrefix.values()]),
    unqualifiedSearchRegistries: update.unqualifiedSearchRegistries ?? base.unqualifiedSearchRegistries,
    shortNameMode: update.shortNameMode ?? base.shortNameMode,
    aliases: { ...base.aliases, ...update.aliases },
    credentialHelpers: update.credentialHelpers ?? base.credentialHelpers,
    files: [...base.files, ...update.files],
    notes: [...base.notes, ...update.notes],
  };
}
