import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { FaultRegistry, type FaultRegistryOptions } from './fault-registry.js';

/** A temporary directory removed when the current test finishes. */
export async function tempDir(prefix = 'ocipull-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The environment `isolatedEnv` returns. */
export interface IsolatedEnv extends Record<string, string | undefined> {
  HOME: string;
  DOCKER_CONFIG: string;
  XDG_RUNTIME_DIR: string;
  PATH: string | undefined;
}

/**
 * An environment with an empty home (HOME, DOCKER_CONFIG, XDG_RUNTIME_DIR), so no credentials of the machine
 * running the tests are read, and nothing is written into its home.
 */
export async function isolatedEnv(extra: Record<string, string> = {}): Promise<IsolatedEnv> {
  const home = await tempDir('ocipull-home-');
  return {
    HOME: home,
    DOCKER_CONFIG: join(home, '.docker'),
    XDG_RUNTIME_DIR: join(home, 'run'),
    PATH: process.env.PATH,
    ...extra,
  };
}

/** An in-process fault registry stopped when the current test finishes. */
export async function faultRegistry(options: FaultRegistryOptions = {}): Promise<FaultRegistry> {
  const reg = await FaultRegistry.start(options);
  onTestFinished(() => reg.close());
  return reg;
}
