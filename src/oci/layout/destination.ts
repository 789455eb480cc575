/**
 * Checking a layout destination before anything is downloaded or created (issue 11, items 3, 4 and 19): a path
 * that cannot become a directory, a directory we may not write, a non-empty directory that is not an OCI layout,
 * and a layout whose `index.json` is not an OCI index are refused at once, and nothing is created on the way.
 */
import { randomBytes } from 'node:crypto';
import { access, constants, mkdir, readdir, readFile, rmdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { OcipullError } from '../../errors.js';
import { describeIoError, ioError } from './io-error.js';
import { INDEX_FILE, LAYOUT_FILE } from './paths.js';
import { parseIndexJson } from './store.js';

/** How strict to be. */
export interface DestinationCheckOptions {
  /** Accept a non-empty directory that is not an OCI layout (the layout's files are added beside its contents). */
  force?: boolean | undefined;
}

/**
 * What ocipull itself leaves in a directory it began a layout in before `oci-layout` is there: the temp file of
 * `oci-layout` (written first) and `index.json`'s lock files of a killed process.
 */
const OWN_FILES =
  /^(?:(?:oci-layout|index\.json)\.\d+\.[0-9a-f]+\.tmp|index\.json\.lock(?:\.break|\.\d+\.[0-9a-f]+)?)$/;

async function statOrUndefined(path: string) {
  try {
    return await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw ioError('check destination', path, err);
  }
}

/**
 * A missing destination must be creatable: its nearest existing ancestor must be a directory in which a
 * directory can be made. That is tried for real with a probe directory, removed at once (permission bits say
 * nothing for root, and `/proc` accepts none while looking writable).
 */
async function checkCreatable(root: string): Promise<void> {
  let ancestor = dirname(root);
  let st = await statOrUndefined(ancestor);
  while (!st && dirname(ancestor) !== ancestor) {
    ancestor = dirname(ancestor);
    st = await statOrUndefined(ancestor);
  }
  if (!st) throw new OcipullError('E_IO', `create ${root}: no existing parent directory`);
  if (!st.isDirectory()) {
    throw new OcipullError('E_IO', `create ${root}: not a directory (${ancestor} is a file)`, {
      hint: 'name a directory path whose parents are directories',
    });
  }
  const probe = join(ancestor, `.ocipull-probe-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(probe);
  } catch (err) {
    throw new OcipullError(
      'E_IO',
      `create ${root}: cannot create a directory in ${ancestor}: ${describeIoError(err)}`,
      { cause: err, hint: 'choose a destination on a writable file system' },
    );
  }
  await rmdir(probe).catch(() => undefined);
}

async function checkExistingLayout(root: string): Promise<void> {
  const layoutFile = join(root, LAYOUT_FILE);
  let version: unknown;
  try {
    version = (JSON.parse(await readFile(layoutFile, 'utf8')) as { imageLayoutVersion?: unknown })
      .imageLayoutVersion;
  } catch (err) {
    throw new OcipullError('E_IO', `${layoutFile} is not an OCI layout file: ${describeIoError(err)}`, {
      cause: err,
      hint: 'pull into a new or empty directory, or an existing OCI layout',
    });
  }
  if (typeof version !== 'string') {
    throw new OcipullError('E_IO', `${layoutFile} is not an OCI layout file: no imageLayoutVersion`, {
      hint: 'pull into a new or empty directory, or an existing OCI layout',
    });
  }
  await checkIndexFile(root);
}

/** An `index.json` that is there must be an OCI image index: we would otherwise replace someone else's file. */
async function checkIndexFile(root: string): Promise<void> {
  const path = join(root, INDEX_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw ioError('read', path, err);
  }
  try {
    parseIndexJson(text, path);
  } catch (err) {
    throw new OcipullError('E_USAGE', `${root} holds an index.json that is not an OCI image index`, {
      cause: err,
      hint: 'pull into a new or empty directory, or an existing OCI layout; nothing was changed',
    });
  }
}

/**
 * Fails unless `root` can receive an OCI layout: a missing directory that can be created, an empty directory or
 * an existing layout we may write to, or (with `force`) any directory whose `index.json`, if any, is an OCI
 * index. Creates nothing. Errors: `E_IO` (exit 8) for what the file system forbids, `E_USAGE` (exit 2) for a
 * directory that is not a layout.
 */
export async function checkLayoutDestination(
  root: string,
  opts: DestinationCheckOptions = {},
): Promise<void> {
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(root);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return checkCreatable(root);
    throw ioError('check destination', root, err);
  }
  if (!st.isDirectory()) {
    throw new OcipullError('E_IO', `write layout ${root}: not a directory (it is a file)`, {
      hint: 'an OCI layout is a directory: name a new or empty one; --format oci-archive writes a tar file',
    });
  }
  try {
    await access(root, constants.W_OK | constants.X_OK);
  } catch (err) {
    throw ioError('write into', root, err);
  }
  const entries = (await readdir(root).catch((err: unknown) => {
    throw ioError('read', root, err);
  })) as string[];
  if (entries.includes(LAYOUT_FILE)) return checkExistingLayout(root);
  if (entries.every((n) => OWN_FILES.test(n))) return;
  if (!opts.force) {
    throw new OcipullError('E_USAGE', `${root} is not empty and not an OCI layout (no oci-layout file)`, {
      hint: 'choose a new or empty directory (nothing was changed); `ocipull pull --force` adds the layout to it',
    });
  }
  await checkIndexFile(root);
}
