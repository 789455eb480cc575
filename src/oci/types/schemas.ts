/**
 * zod 4 schemas for the documents ocipull reads. They check shape without rejecting the future: unknown fields
 * pass (`z.looseObject`, as the OCI spec asks) and `mediaType` is a plain string so unknown artifacts still parse.
 */
import { z } from 'zod';
import { isWellFormedDigest } from './digest.js';

const stringMap = z.record(z.string(), z.string());

/** A digest string in the image-spec grammar; any algorithm, since only writing needs one we can verify. */
export const DigestStringSchema = z.string().refine(isWellFormedDigest, { error: 'invalid digest' });

/** The platform of an index entry or image config (image-spec `image-index.md`). */
export const PlatformSchema = z.looseObject({
  architecture: z.string(),
  os: z.string(),
  'os.version': z.string().optional(),
  'os.features': z.array(z.string()).optional(),
  variant: z.string().optional(),
  features: z.array(z.string()).optional(),
});

/** A pointer to content: what it is, its digest and size; `platform` appears on index entries. */
export const DescriptorSchema = z.looseObject({
  mediaType: z.string(),
  digest: DigestStringSchema,
  // z.int() is a safe integer: sizes above 2^53 can't be counted exactly in JS, so they are refused.
  size: z.int().nonnegative(),
  urls: z.array(z.string()).optional(),
  annotations: stringMap.optional(),
  data: z.string().optional(),
  artifactType: z.string().optional(),
  platform: PlatformSchema.optional(),
});

/** An image manifest, OCI or Docker schema 2; `mediaType` is optional because OCI before 1.0.2 omitted it. */
export const ImageManifestSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().optional(),
  config: DescriptorSchema,
  layers: z.array(DescriptorSchema),
  subject: DescriptorSchema.optional(),
  annotations: stringMap.optional(),
});

/** An image index or Docker manifest list. */
export const ImageIndexSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().optional(),
  manifests: z.array(DescriptorSchema),
  subject: DescriptorSchema.optional(),
  annotations: stringMap.optional(),
});

/** The run-time defaults in an image config; every field may be missing or `null`, as real Docker configs show. */
export const ContainerConfigSchema = z.looseObject({
  User: z.string().nullish(),
  ExposedPorts: z.record(z.string(), z.unknown()).nullish(),
  Env: z.array(z.string()).nullish(),
  Entrypoint: z.array(z.string()).nullish(),
  Cmd: z.array(z.string()).nullish(),
  WorkingDir: z.string().nullish(),
  Labels: z.record(z.string(), z.string()).nullish(),
  StopSignal: z.string().nullish(),
  Volumes: z.record(z.string(), z.unknown()).nullish(),
});

/** One step of an image's build history. */
export const HistorySchema = z.looseObject({
  created: z.string().nullish(),
  created_by: z.string().nullish(),
  author: z.string().nullish(),
  comment: z.string().nullish(),
  empty_layer: z.boolean().nullish(),
});

/** An image config, OCI or Docker; `rootfs.diff_ids` are the digests of the uncompressed layers. */
export const ImageConfigSchema = z.looseObject({
  architecture: z.string(),
  os: z.string(),
  'os.version': z.string().optional(),
  'os.features': z.array(z.string()).optional(),
  variant: z.string().optional(),
  created: z.string().nullish(),
  author: z.string().nullish(),
  config: ContainerConfigSchema.nullish(),
  rootfs: z.looseObject({
    type: z.string(),
    diff_ids: z.array(DigestStringSchema),
  }),
  history: z.array(HistorySchema).nullish(),
});

/**
 * `manifest.json` of a `docker save` archive (moby `image/tarexport`): one entry per image, paths inside the tar.
 * Unknown fields (`LayerSources`) pass.
 */
export const DockerArchiveManifestSchema = z.array(
  z.looseObject({
    Config: z.string(),
    RepoTags: z.array(z.string()).nullish(),
    Layers: z.array(z.string()),
  }),
);

/** A platform as it appears in an index entry or config. */
export type Platform = z.infer<typeof PlatformSchema>;
/** A parsed descriptor; its `digest` is grammatical but not necessarily sha256 (see `parseDigest`). */
export type Descriptor = z.infer<typeof DescriptorSchema>;
/** A parsed image manifest (OCI or Docker schema 2). */
export type ImageManifest = z.infer<typeof ImageManifestSchema>;
/** A parsed image index (OCI index or Docker manifest list). */
export type ImageIndex = z.infer<typeof ImageIndexSchema>;
/** The `config` object inside an image config. */
export type ContainerConfig = z.infer<typeof ContainerConfigSchema>;
/** A parsed image config. */
export type ImageConfig = z.infer<typeof ImageConfigSchema>;
/** A parsed docker-archive `manifest.json`. */
export type DockerArchiveManifest = z.infer<typeof DockerArchiveManifestSchema>;
