/* biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile and compose variables, not JS templates */
import { describe, expect, it } from 'vitest';
import { fileKind, readCompose, readDockerfile, readList } from '../../src/lock/index.js';

describe('Dockerfile reader', () => {
  it('takes FROM images of a multi-stage build: ARG defaults, --platform, stage names and scratch', () => {
    const text = [
      '# syntax=docker/dockerfile:1',
      'ARG GO_VERSION=1.22',
      'ARG BASE',
      'ARG DISTRO="bookworm"',
      'FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-${DISTRO} AS build',
      'RUN go build ./...',
      'FROM build AS test',
      'FROM scratch AS empty',
      'FROM gcr.io/distroless/static-debian12:nonroot \\',
      '    AS runtime',
      'COPY --from=build /out /app',
      'FROM ${BASE}',
      'FROM ${MISSING:-alpine:3.20}',
      'from  Build',
    ].join('\n');
    const r = readDockerfile(text, 'Dockerfile');
    expect(r.refs).toEqual([
      { input: 'golang:1.22-bookworm', where: 'Dockerfile:5' },
      { input: 'gcr.io/distroless/static-debian12:nonroot', where: 'Dockerfile:9' },
      { input: 'alpine:3.20', where: 'Dockerfile:13' },
    ]);
    expect(r.warnings).toEqual(['Dockerfile:12: skipped FROM ${BASE}: ARG BASE has no default']);
  });

  it('ignores ARG after the first FROM (it does not reach later FROM lines)', () => {
    const r = readDockerfile('FROM alpine\nARG V=1\nFROM busybox:$V\n', 'D');
    expect(r.refs.map((x) => x.input)).toEqual(['alpine']);
    expect(r.warnings[0]).toMatch(/ARG V is not declared before the first FROM/);
  });
});

describe('compose reader', () => {
  it('reads image: lines, quoted or not, with comments and ${VAR:-default}', () => {
    const text = [
      'services:',
      '  db:',
      '    image: "postgres:16"   # pinned major',
      '  cache:',
      "    image: 'redis:7-alpine'",
      '  app:',
      '    build: .',
      '    image: ${APP_IMAGE:-ghcr.io/org/app:dev}',
      '  other:',
      '    image: ${REGISTRY}/x:1',
      '  web:',
      '    image: nginx:1.27 # comment',
    ].join('\n');
    const r = readCompose(text, 'compose.yaml');
    expect(r.refs.map((x) => x.input)).toEqual([
      'postgres:16',
      'redis:7-alpine',
      'ghcr.io/org/app:dev',
      'nginx:1.27',
    ]);
    expect(r.warnings).toEqual([
      'compose.yaml:10: skipped image ${REGISTRY}/x:1: ${REGISTRY} has no default',
    ]);
  });
});

describe('list reader', () => {
  it('takes one reference per line and drops # comments and blank lines', () => {
    const r = readList(
      `# base images\ndebian:12\n\n  alpine:3.20  # small\nlocalhost:5000/x@sha256:${'a'.repeat(64)}\n`,
      'images.txt',
    );
    expect(r.refs.map((x) => x.input)).toEqual([
      'debian:12',
      'alpine:3.20',
      `localhost:5000/x@sha256:${'a'.repeat(64)}`,
    ]);
  });

  it.each([
    ['Dockerfile', 'dockerfile'],
    ['build/Containerfile', 'dockerfile'],
    ['app.Dockerfile', 'dockerfile'],
    ['Dockerfile.prod', 'dockerfile'],
    ['compose.yaml', 'compose'],
    ['docker-compose.yml', 'compose'],
    ['images.txt', 'list'],
  ])('%s is read as a %s', (path, kind) => {
    expect(fileKind(path)).toBe(kind);
  });
});
