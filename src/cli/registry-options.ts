import { type Command, InvalidArgumentError, Option } from 'commander';

/** The registry and credential flags shared by every command that talks to a registry. */
export interface RegistryFlags {
  creds?: string;
  username?: string;
  passwordStdin?: boolean;
  authfile?: string;
  certDir?: string;
  tlsVerify?: boolean;
  plainHttp?: boolean;
  retries?: number;
}

/** The mirror flags of the commands that read from a registry (`pull`, `inspect`, `digest`, `copy`, `unpack`). */
export interface MirrorFlags {
  registriesConf?: string;
  registriesConfDir?: string;
  mirror?: string[];
  /** commander's `--no-mirrors`: false when given. */
  mirrors?: boolean;
  dockerMirrors?: boolean;
}

/** Adds the mirror flags (`ocipull mirrors` takes the same ones, so a dry run shows exactly what a pull does). */
export function addMirrorOptions(cmd: Command): Command {
  const collect = (value: string, previous: string[] = []) => [...previous, value];
  return cmd
    .option(
      '--registries-conf <file>',
      'read this registries.conf (default: $CONTAINERS_REGISTRIES_CONF, ~/.config, /etc)',
    )
    .option('--registries-conf-dir <dir>', 'read drop-ins (*.conf) only from DIR')
    .option(
      '--mirror <prefix=location[,opts]>',
      "a mirror for PREFIX, before the files' (opts: digest-only|tag-only, insecure); repeatable",
      collect,
    )
    .option('--no-mirrors', 'use no mirrors at all (rewriting and blocked still apply)')
    .option('--docker-mirrors', "also use /etc/docker/daemon.json's registry-mirrors for docker.io");
}

/** Parses `true`/`false` (also 1/0, yes/no) for `--tls-verify=false` and friends. */
export function parseBool(value: string): boolean {
  if (/^(true|1|yes)$/i.test(value)) return true;
  if (/^(false|0|no)$/i.test(value)) return false;
  throw new InvalidArgumentError('expected true or false.');
}

function parseCount(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number.');
  return Number(value);
}

/** Parses a whole number of at least 1 (`--jobs`). */
export function parsePositive(value: string): number {
  if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError('expected a whole number of at least 1.');
  return Number(value);
}

/** Parses a byte size: `1048576`, `512KiB`, `8MiB`, `1GiB` (K, M, G and KB, MB, GB mean the same powers of 1024). */
export function parseSize(value: string): number {
  const m = /^(\d+)\s*(k|m|g)?(i?b)?$/i.exec(value.trim());
  if (!m) throw new InvalidArgumentError('expected a size such as 8MiB or 1048576.');
  const unit = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? '').toLowerCase() as 'k' | 'm' | 'g'] ?? 1;
  const bytes = Number(m[1]) * unit;
  if (bytes < 1) throw new InvalidArgumentError('expected a size of at least 1 byte.');
  return bytes;
}

/** Adds the shared registry and credential flags to a command (and the mirror flags, for commands that read). */
export function addRegistryOptions(cmd: Command, { credentials = true, mirrors = false } = {}): Command {
  if (mirrors) addMirrorOptions(cmd);
  if (credentials) {
    cmd
      .option(
        '--creds <user:password>',
        'credentials for the registry (else config files, helpers, anonymous)',
      )
      .option('--username <user>', 'user name; the password is read from stdin with --password-stdin')
      .option('--password-stdin', 'read the password from standard input')
      .option(
        '--authfile <file>',
        'read credentials only from this auth.json/config.json (default: $REGISTRY_AUTH_FILE)',
      );
  }
  return cmd
    .option('--cert-dir <dir>', 'also trust the CA certificates (*.crt, *.pem) in this directory')
    .addOption(
      new Option('--tls-verify [bool]', 'verify TLS certificates; --tls-verify=false skips verification')
        .default(true)
        .argParser(parseBool),
    )
    .option(
      '--plain-http',
      'use plain HTTP for a non-loopback registry (loopback registries try http, then https, anyway)',
    )
    .addOption(
      new Option('--retries <n>', 'retries for network errors, 408, 429 and 5xx')
        .default(3)
        .argParser(parseCount),
    );
}
