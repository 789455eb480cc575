import { describe, expect, it } from 'vitest';
import { DescriptorSchema, ImageConfigSchema, PlatformSchema } from '../../../src/oci/types/index.js';
import { d } from './fixtures.js';

/** A Docker image config as `docker build` wrote it for busybox: nulls where nothing was set. */
const dockerConfig = `{
  "architecture": "amd64",
  "config": {
    "Hostname": "",
    "User": "",
    "ExposedPorts": null,
    "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
    "Cmd": ["sh"],
    "Image": "${d('parent')}",
    "Volumes": null,
    "WorkingDir": "",
    "Entrypoint": null,
    "OnBuild": null,
    "Labels": null
  },
  "container": "ba09fe2c8f99faad95871d467a22c96f4bc8166bd01ce0a7c28dd5472697bfd1",
  "created": "2023-07-18T23:19:33.655005962Z",
  "docker_version": "20.10.23",
  "history": [
    { "created": "2023-07-18T23:19:33.538571854Z", "created_by": "/bin/sh -c #(nop) ADD file:7e9002edaafd4e457 in / " },
    { "created": "2023-07-18T23:19:33.655005962Z", "created_by": "/bin/sh -c #(nop)  CMD [\\"sh\\"]", "empty_layer": true }
  ],
  "os": "linux",
  "rootfs": { "type": "layers", "diff_ids": ["${d('busybox-diff')}"] }
}`;

/** An OCI config as BuildKit writes it, with ports, volumes, labels and a stop signal. */
const ociConfig = `{
  "architecture": "arm64",
  "variant": "v8",
  "os": "linux",
  "created": "2024-09-06T22:20:07Z",
  "config": {
    "User": "101",
    "ExposedPorts": { "80/tcp": {} },
    "Env": ["NGINX_VERSION=1.27.1"],
    "Entrypoint": ["/docker-entrypoint.sh"],
    "Cmd": ["nginx", "-g", "daemon off;"],
    "WorkingDir": "/",
    "Labels": { "maintainer": "NGINX Docker Maintainers" },
    "StopSignal": "SIGQUIT",
    "Volumes": { "/var/cache/nginx": {} }
  },
  "rootfs": { "type": "layers", "diff_ids": ["${d('l1')}", "${d('l2')}"] },
  "history": [{ "created": "2024-09-06T22:20:07Z", "created_by": "RUN /bin/sh -c set -x", "comment": "buildkit.dockerfile.v0" }]
}`;

describe('ImageConfigSchema', () => {
  it.each([
    ['a Docker config with nulls', dockerConfig, 'amd64', 1],
    ['an OCI config from BuildKit', ociConfig, 'arm64', 2],
  ])('accepts %s', (_name, text, architecture, layers) => {
    const config = ImageConfigSchema.parse(JSON.parse(text));
    expect(config.architecture).toBe(architecture);
    expect(config.rootfs.diff_ids).toHaveLength(layers);
  });

  it('keeps nulls and unknown fields', () => {
    const config = ImageConfigSchema.parse(JSON.parse(dockerConfig));
    expect(config.config?.Entrypoint).toBeNull();
    expect(config.config?.Hostname).toBe('');
    expect(config.docker_version).toBe('20.10.23');
  });

  it.each([
    [
      'a diff ID that is not a digest',
      dockerConfig.replace(d('busybox-diff'), 'sha256:nope'),
      'rootfs.diff_ids.0',
    ],
    ['no rootfs', '{"architecture":"amd64","os":"linux"}', 'rootfs'],
    ['Cmd as a string', ociConfig.replace('["nginx", "-g", "daemon off;"]', '"nginx"'), 'config.Cmd'],
  ])('rejects %s', (_name, text, path) => {
    const result = ImageConfigSchema.safeParse(JSON.parse(text));
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path.join('.')).toBe(path);
  });
});

describe('DescriptorSchema', () => {
  const base = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: d('x'), size: 0 };

  it.each([
    ['the minimum', base],
    ['a sha512 digest (grammatical, verified later)', { ...base, digest: `sha512:${'a'.repeat(128)}` }],
    ['an unknown media type', { ...base, mediaType: 'application/vnd.example+json' }],
    ['urls, data and artifactType', { ...base, urls: ['https://x/y'], data: 'e30=', artifactType: 'a/b' }],
    [
      'a Windows platform',
      { ...base, platform: { os: 'windows', architecture: 'amd64', 'os.version': '10.0.20348.2655' } },
    ],
    ['a size up to 2^53 - 1', { ...base, size: Number.MAX_SAFE_INTEGER }],
  ])('accepts %s', (_name, value) => {
    expect(DescriptorSchema.safeParse(value).success).toBe(true);
  });

  it.each([
    ['a negative size', { ...base, size: -1 }],
    ['a size past 2^53', { ...base, size: 2 ** 53 }],
    ['a string size', { ...base, size: '12' }],
    ['a traversal digest', { ...base, digest: 'sha256:../../etc' }],
    ['no mediaType', { digest: base.digest, size: 0 }],
    ['annotations with a number', { ...base, annotations: { a: 1 } }],
  ])('rejects %s', (_name, value) => {
    expect(DescriptorSchema.safeParse(value).success).toBe(false);
  });
});

describe('PlatformSchema', () => {
  it('accepts os.features and features, and keeps unknown fields', () => {
    const value = { os: 'windows', architecture: 'amd64', 'os.features': ['win32k'], features: [], extra: 1 };
    expect(PlatformSchema.parse(value)).toEqual(value);
  });
});
