/**
 * The shape of one registries.conf file as TOML gives it, checked with zod. Types are strict (BurntSushi/toml fails
 * on `insecure = "yes"`, so containers/image refuses such a file); unknown keys are allowed, as containers/image only
 * logs them at debug level (`meta.Undecoded()` in `loadConfigFile`).
 */

import { z } from 'zod';

/** `[[registry.mirror]]`: containers/image's `Endpoint`. */
const MirrorSchema = z.looseObject({
  location: z.string().optional(),
  insecure: z.boolean().optional(),
  'pull-from-mirror': z.string().optional(),
});

/** `[[registry]]`: containers/image's `Registry` (an `Endpoint` plus prefix, mirrors, blocked, digest-only). */
const RegistrySchema = z.looseObject({
  prefix: z.string().optional(),
  location: z.string().optional(),
  insecure: z.boolean().optional(),
  blocked: z.boolean().optional(),
  'mirror-by-digest-only': z.boolean().optional(),
  'pull-from-mirror': z.string().optional(),
  mirror: z.array(MirrorSchema).optional(),
});

/** The v1 tables (`[registries.search]` …), recognised only so they can be refused with a clear message. */
const V1ListSchema = z.looseObject({ registries: z.array(z.string()).optional() });
const V1Schema = z.looseObject({
  search: V1ListSchema.optional(),
  insecure: V1ListSchema.optional(),
  block: V1ListSchema.optional(),
});

/** A whole file: `V2RegistriesConf` plus the v1 `registries` table. */
export const RegistriesConfSchema = z.looseObject({
  registry: z.array(RegistrySchema).optional(),
  'unqualified-search-registries': z.array(z.string()).optional(),
  'credential-helpers': z.array(z.string()).optional(),
  'short-name-mode': z.string().optional(),
  'additional-layer-store-auth-helper': z.string().optional(),
  aliases: z.record(z.string(), z.string()).optional(),
  registries: V1Schema.optional(),
});

export type RegistriesConfDocument = z.infer<typeof RegistriesConfSchema>;
export type RegistryDocument = z.infer<typeof RegistrySchema>;

const known = {
  top: new Set(Object.keys(RegistriesConfSchema.shape)),
  registry: new Set(Object.keys(RegistrySchema.shape)),
  mirror: new Set(Object.keys(MirrorSchema.shape)),
};

/** The keys containers/image would not decode (it ignores them, logging at debug level), as dotted paths. */
export function unknownKeys(doc: RegistriesConfDocument): string[] {
  const out = Object.keys(doc).filter((k) => !known.top.has(k));
  (doc.registry ?? []).forEach((reg, i) => {
    for (const k of Object.keys(reg)) if (!known.registry.has(k)) out.push(`registry[${i}].${k}`);
    (reg.mirror ?? []).forEach((mir, j) => {
      for (const k of Object.keys(mir))
        if (!known.mirror.has(k)) out.push(`registry[${i}].mirror[${j}].${k}`);
    });
  });
  return out;
}

/** True when the file uses the v1 format: a `registries` table with `search`, `insecure` or `block` lists. */
export function isV1(doc: RegistriesConfDocument): boolean {
  const v1 = doc.registries;
  if (v1 === undefined) return false;
  return [v1.search, v1.insecure, v1.block].some((t) => t?.registries !== undefined);
}

/** Formats zod's first complaint as `registry[0].insecure: expected boolean, received string`. */
export function describeSchemaError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'not a valid registries.conf';
  const path = issue.path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
  const message = issue.message.replace(/^Invalid input: /, '');
  return path === '' ? message : `${path}: ${message}`;
}
