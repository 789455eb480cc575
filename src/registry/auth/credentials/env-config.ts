import { z } from 'zod';
import { OcipullError } from '../../../errors.js';
import { parseJsonText } from './config-file.js';
import { decodeAuthField } from './entry.js';
import { findHostEntries } from './keys.js';
import type { Credential } from './types.js';

const envConfigSchema = z.looseObject({
  auths: z.record(z.string(), z.looseObject({ auth: z.string().nullish() })).nullish(),
});

const subject = 'DOCKER_AUTH_CONFIG';

/**
 * The credential for `domain` in the `DOCKER_AUTH_CONFIG` JSON (`{"auths":{host:{"auth":…}}}`), or null.
 * Like docker/cli `parseEnvConfig`, every entry must carry `auth`; other keys are ignored here rather than refused.
 */
export function credentialFromEnvConfig(value: string, domain: string): Credential | null {
  const parsed = envConfigSchema.safeParse(parseJsonText(value, subject, 'fix the variable or unset it'));
  if (!parsed.success) {
    throw new OcipullError('E_AUTH', `read ${subject}: expected {"auths":{"<host>":{"auth":"<base64>"}}}`);
  }
  const auths = parsed.data.auths ?? {};
  for (const [key, entry] of Object.entries(auths)) {
    if (!entry.auth) throw new OcipullError('E_AUTH', `read ${subject}: entry "${key}" has no "auth"`);
  }
  const match = findHostEntries(auths, domain)[0];
  if (match === undefined) return null;
  const [key, entry] = match;
  return { kind: 'basic', ...decodeAuthField(entry.auth ?? '', `${subject} entry "${key}"`) };
}
