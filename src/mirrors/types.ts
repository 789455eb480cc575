/**
 * The values of a registries.conf v2 configuration after validation, in containers/image's own terms
 * (`pkg/sysregistriesv2/system_registries_v2.go`: `Endpoint`, `Registry`, `V2RegistriesConf`).
 */

/** `pull-from-mirror` of a `[[registry.mirror]]`; `''` when unset (the same as `all`). */
export type PullFromMirror = '' | 'all' | 'digest-only' | 'tag-only';

/** Where an entry came from, for messages and `ocipull mirrors`: a file path, `--mirror`, `OCIPULL_MIRRORS`, … */
export type Origin = string;

/** One `[[registry.mirror]]` (or a mirror given by flag, environment or daemon.json). */
export interface MirrorEntry {
  /** host[:port][/path], without a scheme or trailing `/`; never empty. */
  readonly location: string;
  readonly insecure: boolean;
  readonly pullFromMirror: PullFromMirror;
  readonly origin: Origin;
}

/** One `[[registry]]` table after `postProcessRegistries`: `prefix` is set (it defaults to `location`). */
export interface RegistryEntry {
  readonly prefix: string;
  /** host[:port][/path]; empty only for a `*.example.com` prefix, meaning "no rewrite". */
  readonly location: string;
  readonly insecure: boolean;
  readonly blocked: boolean;
  readonly mirrorByDigestOnly: boolean;
  readonly mirrors: readonly MirrorEntry[];
  readonly origin: Origin;
}

/** `short-name-mode`. Parsed and validated; it never changes what a short name means in ocipull. */
export type ShortNameMode = 'enforcing' | 'permissive' | 'disabled';

/** A merged configuration: the main file plus its drop-ins, plus any mirrors added by flags. */
export interface RegistriesConfig {
  /** Unique prefixes, sorted (as containers/image keeps them; the order breaks ties between equal lengths). */
  readonly registries: readonly RegistryEntry[];
  /** `unqualified-search-registries`, or null when no file set the key. */
  readonly unqualifiedSearchRegistries: readonly string[] | null;
  readonly shortNameMode: ShortNameMode | null;
  /** `[aliases]`: short name → fully qualified name; `''` erases an alias a lower file set. */
  readonly aliases: Readonly<Record<string, string>>;
  readonly credentialHelpers: readonly string[] | null;
  /** The files read, in order (main file first). */
  readonly files: readonly string[];
  /** Remarks for `--debug`: unknown keys, settings ocipull reads but does not use. */
  readonly notes: readonly string[];
}

/** An empty configuration: what a machine without any registries.conf has. */
export function emptyConfig(): RegistriesConfig {
  return {
    registries: [],
    unqualifiedSearchRegistries: null,
    shortNameMode: null,
    aliases: {},
    credentialHelpers: null,
    files: [],
    notes: [],
  };
}
