import { homedir } from 'node:os';
import { type ClientSettings, openRegistryClient } from '../api/client.js';
import { OcipullError } from '../errors.js';
import { hostPlatform, type PlatformSpec, parsePlatform } from '../oci/types/index.js';
import type { RegistryClient } from '../registry/client/index.js';
import type { CommandContext } from './context.js';
import type { RegistryFlags } from './registry-options.js';
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

/** The password flags as a credential, when given on the command line. */
async function flagPassword(flags: RegistryFlags, ctx: CommandContext): Promise<string | undefined> {
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
