/**
 * Which registries.conf file and drop-in directories are read: containers/image's `newConfigWrapperWithHomeDir`
 * (`pkg/sysregistriesv2/system_registries_v2.go`) and `UpdateRegistriesConf` (`pkg/cli/environment`).
 */

import { join } from 'node:path';

/** What decides the paths. Everything comes from the caller (the CLI passes its `env`), never from `process`. */
export interface DiscoveryInput {
  /** `--registries-conf FILE`. */
  readonly confFile?: string | undefined;
  /** `--registries-conf-dir DIR`: then only that directory is read for drop-ins. */
  readonly confDir?: string | undefined;
  /** `CONTAINERS_REGISTRIES_CONF`, `REGISTRIES_CONFIG_PATH` and `HOME` are read from here. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The home directory to use when `env.HOME` is unset or empty. */
  readonly fallbackHome: string;
  /**
   * A directory standing in for `/` in the system paths (`/etc/containers/…`), like containers/image's
   * `RootForImplicitAbsolutePaths`; `/` by default. The CLI takes it from `OCIPULL_SYSTEM_CONFIG_ROOT`.
   */
  readonly systemRoot?: string | undefined;
  /** Whether a path exists (the user's registries.conf decides the whole layout). */
  readonly exists: (path: string) => boolean;
}

/** The files to read, in containers/image's order. */
export interface ConfigPaths {
  /** The main file. */
  readonly mainFile: string;
  /** True when the main file was named (flag or variable): then a missing file is an error, not an empty config. */
  readonly explicit: boolean;
  /** Drop-in directories, read in this order (`*.conf` of each, by name). */
  readonly dropInDirs: readonly string[];
}

/** The system-wide files, under `systemRoot` (`paths_common.go`). */
export function systemPaths(systemRoot = '/'): { file: string; dir: string } {
  return {
    file: join(systemRoot, 'etc/containers/registries.conf'),
    dir: join(systemRoot, 'etc/containers/registries.conf.d'),
  };
}

/**
 * Decides the main file and the drop-in directories:
 * - the main file is `--registries-conf`, else `CONTAINERS_REGISTRIES_CONF` (if the variable is defined at all,
 *   `REGISTRIES_CONFIG_PATH` is not looked at; an empty value means "not set"), else `REGISTRIES_CONFIG_PATH`;
 * - otherwise, if `$HOME/.config/containers/registries.conf` exists it is the main file and only
 *   `$HOME/.config/containers/registries.conf.d` is read for drop-ins;
 * - otherwise `/etc/containers/registries.conf`;
 * - with a named main file or the system one, drop-ins come from `/etc/containers/registries.conf.d`, then
 *   `$HOME/.config/containers/registries.conf.d`;
 * - `--registries-conf-dir` replaces all drop-in directories with itself.
 */
export function discoverConfigPaths(input: DiscoveryInput): ConfigPaths {
  const home = input.env.HOME || input.fallbackHome;
  const userFile = join(home, '.config/containers/registries.conf');
  const userDir = join(home, '.config/containers/registries.conf.d');
  const system = systemPaths(input.systemRoot);
  const dirsOr = (defaults: string[]): string[] => (input.confDir ? [input.confDir] : defaults);

  const named = input.confFile || namedByEnv(input.env);
  if (named) return { mainFile: named, explicit: true, dropInDirs: dirsOr([system.dir, userDir]) };
  if (input.exists(userFile)) return { mainFile: userFile, explicit: false, dropInDirs: dirsOr([userDir]) };
  return { mainFile: system.file, explicit: false, dropInDirs: dirsOr([system.dir, userDir]) };
}

/** `UpdateRegistriesConf`: `os.LookupEnv`, so a defined-but-empty `CONTAINERS_REGISTRIES_CONF` still wins. */
function namedByEnv(env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (env.CONTAINERS_REGISTRIES_CONF !== undefined) return env.CONTAINERS_REGISTRIES_CONF;
  return env.REGISTRIES_CONFIG_PATH;
}
