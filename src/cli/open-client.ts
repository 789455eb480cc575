import { homedir } from 'node:os';
import { type ClientSettings, endpointSettings, isOwnEndpoint, openRegistryClient } from '../api/client.js';
import { readMirrorConfig } from '../api/mirror-config.js';
import { openRepository } from '../api/repository.js';
import { OcipullError } from '../errors.js';
import { blockedRepositoryError, type RegistriesConfig, shortNameNote } from '../mirrors/index.js';
import { hostPlatform, type PlatformSpec, parsePlatform } from '../oci/types/index.js';
import type { Reference } from '../reference/index.js';
import type { RegistryClient, RepositoryReader } from '../registry/client/index.js';
import type { CommandContext } from './context.js';
import type { MirrorFlags, RegistryFlags } from './registry-options.js';
import { ocipullVersion } from './version.js';

/** Reads all of standard input (for `--password-stdin`), dropping one trailing newline. */
export async function readStdinSecret(ctx: CommandContext): Promise<string> {
  const stdin = ctx.io.stdin;
  if (!stdin) throw new OcipullError('E_USAGE', '--password-stdin: no standard input');
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  const text = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (text === '') throw new OcipullError('E_USAGE', '--password-stdin: standard input was empty');
  return text;
}

/** The user's home directory: `$HOME` when set (so tests and sudo behave), else the OS's idea of it. */
export function homeOf(ctx: CommandContext): string {
  return ctx.io.env.HOME || homedir();
}

/** Refuses password flags that do not go together (before anything is contacted). */
function checkPasswordFlags(flags: RegistryFlags): void {
  if (flags.passwordStdin && !flags.username) {
    throw new OcipullError('E_USAGE', '--password-stdin needs --username');
  }
  if (flags.username && !flags.passwordStdin) {
    throw new OcipullError(
      'E_USAGE',
      '--username needs --password-stdin (passwords are never taken as arguments)',
      {
        hint: 'echo "$TOKEN" | ocipull … --username USER --password-stdin, or --creds USER:PASS',
      },
    );
  }
}

/** The password flags as a credential, when given on the command line. */
async function flagPassword(flags: RegistryFlags, ctx: CommandContext): Promise<string | undefined> {
  checkPasswordFlags(flags);
  return flags.passwordStdin ? readStdinSecret(ctx) : undefined;
}

/** The client settings of the registry flags (the part of opening a client that is the CLI's). */
async function settingsOf(flags: RegistryFlags, ctx: CommandContext): Promise<ClientSettings> {
  const password = await flagPassword(flags, ctx);
  return {
    userAgent: `ocipull/${ocipullVersion()}`,
    env: ctx.io.env,
    homedir: homeOf(ctx),
    flags: { creds: flags.creds, username: flags.username, password, authfile: flags.authfile },
    tlsVerify: flags.tlsVerify,
    plainHttp: flags.plainHttp,
    certDir: flags.certDir,
    retries: flags.retries,
    signal: ctx.signal,
    debugLog: (line) => ctx.debugLog(line),
  };
}

/** Opens a client for `domain`, with credentials looked up lazily for repository `path`. */
export async function openClient(
  domain: string,
  path: string | undefined,
  flags: RegistryFlags,
  ctx: CommandContext,
): Promise<RegistryClient> {
  return openRegistryClient(domain, path, await settingsOf(flags, ctx));
}

/** The platform to choose from an index: `--platform`, else the host's (always linux). */
export function platformFrom(value: string | undefined): PlatformSpec {
  return value ? parsePlatform(value) : hostPlatform();
}

/**
 * The mirror configuration the mirror flags and the machine's files give; `--debug` names the files read. With
 * `lenient` (the read commands), an invalid machine file is one warning and is ignored; the dry run fails on it.
 */
export async function mirrorConfigOf(
  flags: MirrorFlags,
  ctx: CommandContext,
  lenient = false,
): Promise<RegistriesConfig> {
  const config = await readMirrorConfig(
    {
      registriesConf: flags.registriesConf,
      registriesConfDir: flags.registriesConfDir,
      mirror: flags.mirror,
      noMirrors: flags.mirrors === false,
      dockerMirrors: flags.dockerMirrors === true,
    },
    ctx.io.env,
    lenient ? (warning) => ctx.info(`warning: ${warning}`) : undefined,
  );
  for (const file of config.files) ctx.debugLog(`mirrors: read ${file}`);
  for (const note of config.notes) ctx.debugLog(`mirrors: ${note}`);
  const note = shortNameNote(config);
  if (note !== null) ctx.debugLog(note);
  return config;
}

/**
 * The repository to read `ref` from: its registry, or its mirrors then its registry, as `ocipull mirrors` prints.
 * Only the reference's own registry gets the registry flags (`--creds`, `--password-stdin`, `--tls-verify`…); a
 * mirror, or a primary rewritten to another host, gets none of them (see `endpointSettings`). A fetch that fails
 * over to the next endpoint is one line on stderr. `operation` names the command in a blocked reference's error.
 */
export async function openRepositoryFor(
  ref: Reference,
  flags: RegistryFlags & MirrorFlags,
  ctx: CommandContext,
  operation = 'pull',
): Promise<RepositoryReader> {
  checkPasswordFlags(flags);
  const mirrors = await mirrorConfigOf(flags, ctx, true);
  let own: Promise<ClientSettings> | undefined;
  return openRepository(ref, {
    mirrors,
    operation,
    signal: ctx.signal,
    open: async (target) => {
      // --password-stdin is read once, and only for the reference's own registry (the other endpoints' settings
      // are built without the password flags, so opening them never reads standard input).
      const isOwn = isOwnEndpoint(target);
      if (isOwn) own ??= settingsOf(flags, ctx);
      const base = isOwn
        ? await own!
        : await settingsOf(
            { ...flags, creds: undefined, username: undefined, passwordStdin: undefined },
            ctx,
          );
      return openRegistryClient(target.domain, target.path, endpointSettings(base, target));
    },
    onFallback: (f) => ctx.info(`warning: ${f.from}: ${f.error}; trying ${f.to}`),
  });
}

/**
 * For the commands that read many references without going through mirrors (`lock`, `verify`, `sync`'s sources):
 * a check that refuses, with `E_BLOCKED`, a repository the machine's registries.conf blocks, before anything is sent
 * to it (they contact the repository itself, so its own entry decides, not its mirrors). The configuration is read
 * once, when first needed; an invalid machine file is one warning, as for pulls.
 */
export function blockedCheck(
  ctx: CommandContext,
  operation: string,
): (ref: Pick<Reference, 'domain' | 'path'>) => Promise<void> {
  let config: Promise<RegistriesConfig> | undefined;
  return async (ref) => {
    config ??= mirrorConfigOf({}, ctx, true);
    const refused = blockedRepositoryError(ref, await config, operation);
    if (refused) throw refused;
  };
}
