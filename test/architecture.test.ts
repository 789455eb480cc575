import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Enforces the dependency direction of STYLE.md §1: cli → use cases → registry/client + oci/layout →
 * registry/auth → registry/transport → reference, oci/types → errors. ggcr does the same for its test registry
 * in pkg/registry/depcheck_test.go.
 */
const allowed: Record<string, { modules: string[]; packages: string[] }> = {
  errors: { modules: [], packages: [] },
  reference: { modules: ['errors'], packages: [] },
  'oci/types': { modules: ['errors'], packages: ['zod'] },
  'oci/layout': { modules: ['oci/types', 'errors'], packages: [] },
  'registry/transport': { modules: ['reference', 'errors'], packages: ['undici'] },
  'registry/auth': { modules: ['registry/transport', 'reference', 'errors'], packages: ['zod', 'undici'] },
  'registry/client': {
    modules: ['registry/transport', 'registry/auth', 'oci/types', 'reference', 'errors'],
    packages: ['undici'],
  },
  progress: { modules: ['errors'], packages: ['chalk'] },
  copy: {
    modules: [
      'registry/client',
      'registry/transport',
      'oci/types',
      'oci/layout',
      'archive',
      'reference',
      'progress',
      'errors',
    ],
    packages: [],
  },
  inspect: {
    modules: [
      'registry/client',
      'registry/auth',
      'registry/transport',
      'oci/types',
      'oci/layout',
      'reference',
      'errors',
    ],
    packages: [],
  },
  unpack: { modules: ['oci/layout', 'oci/types', 'errors'], packages: ['tar-stream', 'fzstd'] },
  archive: { modules: ['oci/layout', 'oci/types', 'errors'], packages: ['tar-stream'] },
  lock: {
    modules: ['registry/client', 'oci/types', 'oci/layout', 'reference', 'copy', 'errors'],
    packages: ['zod'],
  },
  // registries.conf, --mirror and daemon.json: where a pull goes (no network).
  mirrors: { modules: ['reference', 'errors'], packages: ['smol-toml', 'zod'] },
  // The library's functions: the use cases wired to options instead of flags (no process side effects).
  api: {
    modules: [
      'copy',
      'mirrors',
      'inspect',
      'unpack',
      'lock',
      'archive',
      'registry/client',
      'registry/auth',
      'registry/transport',
      'oci/types',
      'oci/layout',
      'reference',
      'progress',
      'errors',
    ],
    // zod only for the result schemas (api/result-schemas.ts).
    packages: ['zod'],
  },
  // src/index.ts, the package's entry point: re-exports only.
  index: {
    modules: ['api', 'copy', 'inspect', 'progress', 'reference', 'registry/transport', 'errors'],
    packages: [],
  },
  cli: { modules: ['*'], packages: ['*'] },
};

const srcRoot = resolve(import.meta.dirname, '../src');

function moduleOf(file: string): string {
  const parts = relative(srcRoot, file).split('/');
  if (parts.length === 1) return parts[0]!.replace(/\.ts$/, '');
  if (parts[0] === 'oci' || parts[0] === 'registry') return `${parts[0]}/${parts[1]}`;
  return parts[0]!;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/g))
    specs.push(m[1]!);
  for (const m of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push(m[1]!);
  return specs;
}

const edges = sourceFiles(srcRoot).flatMap((file) =>
  importsOf(file).map((spec) => ({ file: relative(srcRoot, file), from: moduleOf(file), spec })),
);

describe('import graph', () => {
  it('finds the source tree', () => {
    expect(edges.length).toBeGreaterThan(5);
  });

  it('every source file belongs to a known module', () => {
    const unknown = [...new Set(edges.map((e) => e.from))].filter((m) => !(m in allowed));
    expect(unknown).toEqual([]);
  });

  it('only has edges STYLE.md allows', () => {
    const violations: string[] = [];
    for (const { file, from, spec } of edges) {
      const rule = allowed[from];
      if (!rule || rule.modules.includes('*')) continue;
      if (spec.startsWith('.')) {
        const to = moduleOf(resolve(srcRoot, dirname(file), spec).replace(/\.js$/, '.ts'));
        if (to !== from && !rule.modules.includes(to)) violations.push(`${file} → ${to} (${spec})`);
      } else if (!spec.startsWith('node:')) {
        const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        if (!rule.packages.includes(pkg)) violations.push(`${file} → package ${pkg}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('nothing imports cli', () => {
    const intoCli = edges.filter(
      (e) =>
        e.from !== 'cli' &&
        e.spec.startsWith('.') &&
        resolve(srcRoot, dirname(e.file), e.spec).startsWith(join(srcRoot, 'cli')),
    );
    expect(intoCli).toEqual([]);
  });
});
