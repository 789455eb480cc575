import { describe, expect, it } from 'vitest';
import { runCli } from './capture.js';

describe('ocipull ref', () => {
  it('prints the canonical form on stdout only', async () => {
    const r = await runCli(['ref', 'debian', 'ghcr.io/org/app:1.2']);
    expect(r).toEqual({
      code: 0,
      stdout: 'docker.io/library/debian:latest\nghcr.io/org/app:1.2\n',
      stderr: '',
    });
  });

  it('prints the documented --json shape', async () => {
    const r = await runCli(['ref', '--json', 'debian']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      '{"input":"debian","domain":"docker.io","path":"library/debian","repository":"docker.io/library/debian","tag":"latest","digest":null,"canonical":"docker.io/library/debian:latest","familiar":"debian"}\n',
    );
  });

  it('keeps tag and digest, and adds no tag to a digest-only reference', async () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const r = await runCli(['ref', '--json', `localhost:5000/x/y:v1@${digest}`, `[::1]:5000/x@${digest}`]);
    expect(r.code).toBe(0);
    const [one, two] = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(one).toMatchObject({ domain: 'localhost:5000', path: 'x/y', tag: 'v1', digest });
    expect(one.canonical).toBe(`localhost:5000/x/y:v1@${digest}`);
    expect(two).toMatchObject({ domain: '[::1]:5000', path: 'x', tag: null, digest });
  });

  it('rejects a lone invalid input with exit 2, one line on stderr, nothing on stdout', async () => {
    const r = await runCli(['ref', 'Debian/Foo']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^ocipull: invalid reference "Debian\/Foo": .*lowercase.*\n/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('reports an invalid input among several as a JSON error line and still prints the others', async () => {
    const r = await runCli(['ref', '--json', 'alpine', 'UPPER', 'busybox:1']);
    expect(r.code).toBe(2);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.input)).toEqual(['alpine', 'UPPER', 'busybox:1']);
    expect(lines[0].canonical).toBe('docker.io/library/alpine:latest');
    expect(lines[1]).toEqual({
      input: 'UPPER',
      error: expect.stringMatching(/^invalid reference "UPPER": /),
    });
    expect(lines[2].canonical).toBe('docker.io/library/busybox:1');
  });

  it('reports each invalid input on stderr in human mode and exits 2', async () => {
    const r = await runCli(['ref', 'alpine', 'a..b']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('docker.io/library/alpine:latest\n');
    expect(r.stderr).toMatch(/^ocipull: invalid reference "a\.\.b"/);
  });
});

describe('CLI frame', () => {
  it('prints the version', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('shows help with examples on stdout and exits 0', async () => {
    const r = await runCli(['ref', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('ocipull ref --json debian');
  });

  it('treats an unknown option as a usage error (exit 2) on stderr', async () => {
    const r = await runCli(['ref', '--bogus', 'x']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^ocipull: unknown option '--bogus'/);
  });

  it('treats a missing argument as a usage error', async () => {
    const r = await runCli(['ref']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing required argument/);
  });

  it('treats a first word that is not a command as the image to pull, rejecting a bad one with exit 2', async () => {
    const r = await runCli(['Not_A/Ref!']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ocipull: invalid reference "Not_A\/Ref!"/);
  });

  it('prints help on stderr and exits 2 when run with no arguments', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Usage: ocipull');
  });
});
