/**
 * Manifests shaped like real registry responses (Docker Hub `library/alpine`, an older Docker list, umoci, ORAS,
 * Helm, a schema 1 `hello-world`), as literal JSON strings so parsing sees exactly what a registry sends.
 * Digests are made up but grammatical; `d(label)` makes a distinct one per label.
 */
import { createHash } from 'node:crypto';

/** A distinct, valid sha256 digest for a label. */
export function d(label: string): string {
  return `sha256:${createHash('sha256').update(label).digest('hex')}`;
}

/** Docker Hub's OCI index for alpine:3.20, with BuildKit attestation entries beside each image. */
export const ociIndexWithAttestations = `{
  "manifests": [
    {
      "annotations": {
        "com.docker.official-images.bashbrew.arch": "amd64",
        "org.opencontainers.image.base.name": "scratch",
        "org.opencontainers.image.created": "2024-09-06T22:20:07Z",
        "org.opencontainers.image.source": "https://github.com/alpinelinux/docker-alpine.git",
        "org.opencontainers.image.version": "3.20.3"
      },
      "digest": "${d('alpine-amd64')}",
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "platform": { "architecture": "amd64", "os": "linux" },
      "size": 1022
    },
    {
      "annotations": {
        "com.docker.official-images.bashbrew.arch": "amd64",
        "vnd.docker.reference.digest": "${d('alpine-amd64')}",
        "vnd.docker.reference.type": "attestation-manifest"
      },
      "digest": "${d('alpine-amd64-attestation')}",
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "platform": { "architecture": "unknown", "os": "unknown" },
      "size": 839
    },
    {
      "annotations": { "com.docker.official-images.bashbrew.arch": "arm64v8" },
      "digest": "${d('alpine-arm64')}",
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "platform": { "architecture": "arm64", "os": "linux", "variant": "v8" },
      "size": 1025
    },
    {
      "annotations": {
        "com.docker.official-images.bashbrew.arch": "arm64v8",
        "vnd.docker.reference.digest": "${d('alpine-arm64')}",
        "vnd.docker.reference.type": "attestation-manifest"
      },
      "digest": "${d('alpine-arm64-attestation')}",
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "platform": { "architecture": "unknown", "os": "unknown" },
      "size": 839
    }
  ],
  "mediaType": "application/vnd.oci.image.index.v1+json",
  "schemaVersion": 2
}`;

/** A Docker manifest list as Docker Hub serves older multi-arch tags. */
export const dockerManifestList = `{
   "schemaVersion": 2,
   "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
   "manifests": [
      {
         "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
         "size": 1365,
         "digest": "${d('registry-amd64')}",
         "platform": { "architecture": "amd64", "os": "linux" }
      },
      {
         "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
         "size": 1365,
         "digest": "${d('registry-armv6')}",
         "platform": { "architecture": "arm", "os": "linux", "variant": "v6" }
      },
      {
         "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
         "size": 1365,
         "digest": "${d('registry-arm64')}",
         "platform": { "architecture": "arm64", "os": "linux", "variant": "v8" }
      }
   ]
}`;

/** A Docker schema 2 image manifest. */
export const dockerV2Manifest = `{
   "schemaVersion": 2,
   "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
   "config": {
      "mediaType": "application/vnd.docker.container.image.v1+json",
      "size": 1472,
      "digest": "${d('busybox-config')}"
   },
   "layers": [
      {
         "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
         "size": 2220094,
         "digest": "${d('busybox-layer')}"
      }
   ]
}`;

/** An OCI manifest without `mediaType`, as umoci and image-spec < 1.0.2 tools write it. */
export const ociManifestWithoutMediaType = `{"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"${d('umoci-config')}","size":1195},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"${d('umoci-layer')}","size":2812636}],"annotations":{"org.opencontainers.image.ref.name":"latest"}}`;

/** An OCI 1.1 artifact (an SBOM attached with ORAS) using the empty config and a subject. */
export const artifactWithEmptyConfig = `{
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.manifest.v1+json",
  "artifactType": "application/spdx+json",
  "config": {
    "mediaType": "application/vnd.oci.empty.v1+json",
    "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
    "size": 2,
    "data": "e30="
  },
  "layers": [
    {
      "mediaType": "application/spdx+json",
      "digest": "${d('sbom')}",
      "size": 15034,
      "annotations": { "org.opencontainers.image.title": "sbom.spdx.json" }
    }
  ],
  "subject": {
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "digest": "${d('alpine-amd64')}",
    "size": 1022
  },
  "annotations": { "org.opencontainers.image.created": "2024-09-07T10:00:00Z" }
}`;

/** A Helm chart as pushed by Helm 3: no top-level `mediaType`, a Helm config type. */
export const helmChart = `{"schemaVersion":2,"config":{"mediaType":"application/vnd.cncf.helm.config.v1+json","digest":"${d('helm-config')}","size":117},"layers":[{"mediaType":"application/vnd.cncf.helm.chart.content.v1.tar+gzip","digest":"${d('helm-chart')}","size":3594}],"annotations":{"org.opencontainers.image.title":"nginx","org.opencontainers.image.version":"15.1.0"}}`;

/** A signed schema 1 manifest, as `hello-world` was served before 2017. */
export const schema1Signed = `{
   "schemaVersion": 1,
   "name": "library/hello-world",
   "tag": "latest",
   "architecture": "amd64",
   "fsLayers": [
      { "blobSum": "sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4" },
      { "blobSum": "${d('hello-layer')}" }
   ],
   "history": [
      { "v1Compatibility": "{\\"id\\":\\"1815c82652c0\\",\\"created\\":\\"2016-06-13T21:45:16Z\\"}" }
   ],
   "signatures": [
      {
         "header": {
            "jwk": { "crv": "P-256", "kid": "OD6I:6DRK:JXEJ:KBM4:255X:NSAA:MUSF:E4VM:ZI6W:CUN2:L4Z6:LSF4", "kty": "EC", "x": "3gAwX48IQ5oaYQAYSxor6rYYc_6yjuLCjtQ9LUakg4A", "y": "t72ge6kIA1XOjqjVoEOiPPAURltJFBMGDSQvEGVB010" },
            "alg": "ES256"
         },
         "signature": "XREm0L8WNn27Ga_iE_vRnTxVMhhYY0Zst_FfkKopg6gWSoTOZTuW4rK0fg_IqnKkEKlbD83tD46LKEGi5aIVFg",
         "protected": "eyJmb3JtYXRMZW5ndGgiOjY2MjgsImZvcm1hdFRhaWwiOiJDbjAiLCJ0aW1lIjoiMjAxNS0wNC0wOFQxODo1Mjo1OVoifQ"
      }
   ]
}`;

/** An unsigned schema 1 manifest (dist 2.x converted tag GETs without Accept to this). */
export const schema1Unsigned = `{"schemaVersion":1,"name":"library/busybox","tag":"1.36","architecture":"amd64","fsLayers":[{"blobSum":"${d('busybox-layer')}"}],"history":[{"v1Compatibility":"{}"}]}`;

/** A Docker v2 manifest whose first layer lost its digest. */
export const missingLayerDigest = `{
   "schemaVersion": 2,
   "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
   "config": { "mediaType": "application/vnd.docker.container.image.v1+json", "size": 1472, "digest": "${d('c')}" },
   "layers": [ { "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 2220094 } ]
}`;
