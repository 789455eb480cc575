/**
 * Reading the registries.conf files from disk: the main file, then each drop-in merged on top
 * (containers/image's `tryUpdatingCache` and `dropInConfigs`).
 */

import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { OcipullError } from '../errors.js';
import { isCommentsOnly } from './comments.js';
import { inFile, mirrorConfigError } from './config-error.js';
import { type ConfigPaths, type DiscoveryInput, discoverConfigPaths } from './discovery.js';
import { mergeConfig } from './merge.js';
import { emptyConfig, type RegistriesConfig } from './types.js';

/** What `loadRegistriesConfig` needs: the discovery input without the parts it can fill in itself. */
export type LoadInput = Omit<DiscoveryInput, 'exists' | 'fallbackHome'> & {
  fallbackHome?: string | undefined;
  /**
   * When given, a configuration the user did not name (no `--registries-conf`, `CONTAINERS_REGISTRIES_CONF` or
   * `--registries-conf-dir`: the machine's own files) that is invalid is passed here and ignored, giving an empty
   * configuration, instead of failing. Pulls use this, so an old v1 `/etc/containers/registries.conf` does not stop
   * every command; `ocipull mirrors` does not, so it still reports the file.
   */
  onInvalidDefault?: ((err: OcipullError) => void) | undefined;
};

/**
 * Reads and merges the configuration the way containers/image does. A missing default file is an empty
 * configuration; a missing named file (`--registries-conf`, `CONTAINERS_REGISTRIES_CONF`) is an error; a missing
 * drop-in directory is skipped. Throws `E_MIRROR_CONFIG` naming the file for anything containers/image refuses.
 */
export async function loadRegistriesConfig(input: LoadInput): Promise<RegistriesConfig> {
  const paths = discoverConfigPaths({
    ...input,
    fallbackHome: input.fallbackHome ?? homeFromPasswd(),
    exists: existsSync,
  });
  if (!input.onInvalidDefault || paths.explicit || input.confDir) return loadFrom(paths);
  try {
    return await loadFrom(paths);
  } catch (err) {
    if (!(err instanceof OcipullError) || err.code !== 'E_MIRROR_CONFIG') throw err;
    input.onInvalidDefault(err);
    return emptyConfig();
  }
}

/** Loads the files `paths` names. */
export async function loadFrom(paths: ConfigPaths): Promise<RegistriesConfig> {
  let config = emptyConfig();
  const main = await readText(paths.mainFile);
  if (main !== null) config = await parseFile(main, paths.mainFile);
  else if (paths.explicit) {
    throw mirrorConfigError(
      inFile(paths.mainFile),
      'no such file',
      'check --registries-conf or CONTAINERS_REGISTRIES_CONF',
    );
  }
  for (const file of await dropInFiles(paths.dropInDirs)) {
    const text = await readText(file);
    // A drop-in removed between listing and reading is an expected race (containers/image ignores it too).
    if (text !== null) config = mergeConfig(config, await parseFile(text, file));
  }
  return config;
}

/**
 * One file's configuration. The TOML parser and the schema are loaded only for a file with something in it: the
 * stock file of most machines is comments only, and a one-shot `ocipull digest` should not pay for them.
 */
async function parseFile(text: string, path: string): Promise<RegistriesConfig> {
  if (isCommentsOnly(text)) return { ...emptyConfig(), files: [path] };
  const { parseRegistriesConf } = await import('./parse-file.js');
  return parseRegistriesConf(text, path);
}

/** The `*.conf` files of each directory in turn, by name in byte order; subdirectories are not entered. */
async function dropInFiles(dirs: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const dir of dirs) {
    try {
      const entries = await readdir(dir, { withFileTypes: true });
      const names = entries
        .filter((e) => !e.isDirectory() && e.name.endsWith('.conf'))
        .map((e) => e.name)
        .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      files.push(...names.map((n) => join(dir, n)));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue; // most systems have no registries.conf.d
      if (code === 'ENOTDIR') {
        if (dir.endsWith('.conf')) files.push(dir); // filepath.WalkDir on a file visits the file itself
        continue;
      }
      throw mirrorConfigError(
        `registries configuration directory ${JSON.stringify(dir)}`,
        `cannot be read (${code ?? String(err)})`,
      );
    }
  }
  return files;
}

/** The file's text, or null when it does not exist. */
async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw mirrorConfigError(
      inFile(path),
      `cannot be read (${code === 'EISDIR' ? 'is a directory' : (code ?? String(err))})`,
    );
  }
}

/** containers/storage's `homedir.Get`: `$HOME`, else the passwd entry. */
function homeFromPasswd(): string {
  try {
    return userInfo().homedir;
  } catch {
    return '/';
  }
}
