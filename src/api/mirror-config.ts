/**
 * The mirror configuration of a read, from the options the CLI's flags and the library's `mirrors` option share:
 * one place that turns them into `loadMirrorConfig`'s input, so the two cannot drift.
 */
import type { OcipullError } from '../errors.js';
import { loadMirrorConfig, type RegistriesConfig } from '../mirrors/index.js';

/** Where mirrors come from, as `ocipull mirrors` and the read commands take them. */
export interface MirrorOptions {
  /** `--registries-conf FILE`. */
  registriesConf?: string | undefined;
  /** `--registries-conf-dir DIR`. */
  registriesConfDir?: string | undefined;
  /** `--mirror PREFIX=LOCATION[,digest-only|tag-only][,insecure]` values, before the files' mirrors. */
  mirror?: string[] | undefined;
  /** `--no-mirrors`: no mirrors at all; location rewriting and `blocked` still apply. */
  noMirrors?: boolean | undefined;
  /** `--docker-mirrors`: also `/etc/docker/daemon.json`'s `registry-mirrors` for docker.io. */
  dockerMirrors?: boolean | undefined;
}

/**
 * Loads the configuration. With `onIgnored`, the machine's own files (none named by flag or variable) that are
 * invalid are reported through it and ignored, so a read still goes to the reference's registry; without it (the
 * dry run), they fail with `E_MIRROR_CONFIG`.
 */
export function readMirrorConfig(
  m: MirrorOptions,
  env: Readonly<Record<string, string | undefined>>,
  onIgnored?: (warning: string) => void,
): Promise<RegistriesConfig> {
  return loadMirrorConfig({
    registriesConf: m.registriesConf,
    registriesConfDir: m.registriesConfDir,
    mirrors: m.mirror,
    noMirrors: m.noMirrors === true,
    dockerMirrors: m.dockerMirrors === true,
    env,
    systemRoot: env.OCIPULL_SYSTEM_CONFIG_ROOT || undefined,
    onInvalidDefault: onIgnored && ((err: OcipullError) => onIgnored(ignoredWarning(err))),
  });
}

function ignoredWarning(err: OcipullError): string {
  return (
    `${err.message}; ignoring this machine's registries.conf files (no mirrors, rewriting or blocked from them): ` +
    'fix the file, or name one with --registries-conf'
  );
}
