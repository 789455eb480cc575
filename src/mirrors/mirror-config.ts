/**
 * The one assembler: registries.conf files, then `--mirror`, `OCIPULL_MIRRORS` and daemon.json, then
 * `--no-mirrors`. Commands (and later the puller) call this once and pass the result to `resolveEndpoints`.
 */

import type { OcipullError } from '../errors.js';
import { addMirrors, withoutMirrors } from './extra-mirrors.js';
import { loadRegistriesConfig } from './load.js';
import { type MirrorSpec, parseMirrorFlags, parseMirrorList } from './mirror-spec.js';
import type { RegistriesConfig } from './types.js';

/** Everything that decides the mirror configuration. */
export interface MirrorConfigOptions {
  /** `--registries-conf FILE`. */
  readonly registriesConf?: string | undefined;
  /** `--registries-conf-dir DIR`. */
  readonly registriesConfDir?: string | undefined;
  /** `--mirror` values, in order. */
  readonly mirrors?: readonly string[] | undefined;
  /** `--no-mirrors`. */
  readonly noMirrors?: boolean | undefined;
  /** `--docker-mirrors`: also read daemon.json's `registry-mirrors` for docker.io. */
  readonly dockerMirrors?: boolean | undefined;
  /** The environment: `CONTAINERS_REGISTRIES_CONF`, `REGISTRIES_CONFIG_PATH`, `HOME`, `OCIPULL_MIRRORS`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Stands in for `/` in `/etc/containers/…` and `/etc/docker/daemon.json` (default `/`). */
  readonly systemRoot?: string | undefined;
  /** See `LoadInput.onInvalidDefault`: the machine's own invalid files are reported here and ignored. */
  readonly onInvalidDefault?: ((err: OcipullError) => void) | undefined;
}

/**
 * Loads the files, then adds mirrors: for each prefix, `--mirror` ones first, then `OCIPULL_MIRRORS`, then the
 * files', then daemon.json's (Docker Hub only). `--no-mirrors` drops every mirror but keeps rewriting and blocking.
 * Throws `E_MIRROR_CONFIG` for any invalid part.
 */
export async function loadMirrorConfig(options: MirrorConfigOptions): Promise<RegistriesConfig> {
  const base = await loadRegistriesConfig({
    confFile: options.registriesConf,
    confDir: options.registriesConfDir,
    env: options.env,
    systemRoot: options.systemRoot,
    onInvalidDefault: options.onInvalidDefault,
  });
  const front = [
    ...parseMirrorFlags(options.mirrors ?? []),
    ...parseMirrorList(options.env.OCIPULL_MIRRORS ?? '', 'OCIPULL_MIRRORS'),
  ];
  let config = base;
  let back: MirrorSpec[] | null = [];
  if (options.dockerMirrors) {
    const { dockerDaemonPath, readDockerMirrors } = await import('./docker-daemon.js');
    const path = dockerDaemonPath(options.systemRoot);
    back = await readDockerMirrors(path);
    if (back === null) {
      config = { ...config, notes: [...config.notes, `${path} does not exist: no Docker registry mirrors`] };
      back = [];
    } else config = { ...config, files: [...config.files, path] };
  }
  config = addMirrors(config, front, back);
  return options.noMirrors ? withoutMirrors(config) : config;
}

/** The `--debug` remark about short-name settings, when any file set one; ocipull never applies them. */
export function shortNameNote(config: RegistriesConfig): string | null {
  const present = [
    config.unqualifiedSearchRegistries !== null ? 'unqualified-search-registries' : null,
    config.shortNameMode !== null ? 'short-name-mode' : null,
    Object.keys(config.aliases).length > 0 ? '[aliases]' : null,
  ].filter((x) => x !== null);
  if (present.length === 0) return null;
  return (
    `registries.conf sets ${present.join(', ')}; ocipull reads but does not apply them: a short name keeps ` +
    "Docker's meaning (debian is docker.io/library/debian), as with skopeo's docker:// transport"
  );
}
