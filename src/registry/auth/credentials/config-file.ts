import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { OcipullError } from '../../../errors.js';

/**
 * Schemas for Docker's `config.json`, containers' `auth.json` and the legacy `~/.dockercfg`. Loose objects, so
 * keys we do not use (`proxies`, `currentContext`, `email`, …) pass through untouched.
 * Sources: docker/cli `cli/config/configfile/file.go`, `cli/config/types/authconfig.go`.
 */
const optionalString = z.string().nullish();

const authEntrySchema = z.looseObject({
  auth: optionalString,
  username: optionalString,
  password: optionalString,
  identitytoken: optionalString,
});

/** One entry of `auths`. `{}` is only a marker that a credential helper holds the secret. */
export type AuthEntry = z.infer<typeof authEntrySchema>;

const dockerConfigSchema = z.looseObject({
  auths: z.record(z.string(), authEntrySchema).nullish(),
  credsStore: optionalString,
  credHelpers: z.record(z.string(), z.string()).nullish(),
});

/** A parsed `config.json` or `auth.json`. */
export type DockerConfig = z.infer<typeof dockerConfigSchema>;

const legacyConfigSchema = z.record(z.string(), authEntrySchema);

/** A parsed `~/.dockercfg`: a top-level map of keys to entries, without `auths`. */
export type LegacyConfig = z.infer<typeof legacyConfigSchema>;

/**
 * Reads a file's text, or returns undefined when it does not exist. Other failures are `E_IO`; an fs error
 * names the path and errno, never the contents.
 */
export async function readConfigText(file: string, subject: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new OcipullError('E_IO', `read ${subject}: ${code ?? 'cannot read the file'}`, { cause: err });
  }
}

/**
 * Parses JSON from a file that may hold secrets. The message says only where the fault is: V8's own message
 * quotes the text around the fault, so it is neither shown nor kept as `cause`.
 */
export function parseJsonText(
  text: string,
  subject: string,
  hint = 'fix or move the file; its contents are not shown because they may hold secrets',
): unknown {
  const body = text.replace(/^\uFEFF/, '');
  // docker/cli treats an empty config file as an empty config (it tolerates io.EOF).
  if (body.trim() === '') return {};
  try {
    return JSON.parse(body);
  } catch {
    throw new OcipullError('E_AUTH', `read ${subject}: not valid JSON`, { hint });
  }
}

function validate<T>(schema: z.ZodType<T>, data: unknown, subject: string): T {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where =
    issue === undefined || issue.path.length === 0 ? 'top level' : issue.path.map(String).join('.');
  // zod's type messages name the expected and received types, never the value.
  throw new OcipullError('E_AUTH', `read ${subject}: ${where}: ${issue?.message ?? 'unexpected shape'}`, {
    hint: 'fix or move the file',
  });
}

/** Validates a parsed `config.json` or `auth.json`. */
export function parseDockerConfig(data: unknown, subject: string): DockerConfig {
  return validate(dockerConfigSchema, data, subject);
}

/** Validates a parsed legacy `~/.dockercfg`. */
export function parseLegacyConfig(data: unknown, subject: string): LegacyConfig {
  return validate(legacyConfigSchema, data, subject);
}
