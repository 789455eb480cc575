/**
 * The files `ocipull lock --from FILE` reads: a list of references (one per line, `#` comments), a compose file
 * (`image:` lines) or a Dockerfile (`FROM` lines), told apart by the file's name.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { OcipullError } from '../errors.js';
import { readCompose } from './read-compose.js';
import { readDockerfile } from './read-dockerfile.js';

/** References found in a file, each with where it was (`file:line`), and what was skipped. */
export interface ReadRefs {
  refs: { input: string; where: string }[];
  warnings: string[];
}

/** Reads a plain list: one reference per line; `#` starts a comment (at the start or after a space). */
export function readList(text: string, file: string): ReadRefs {
  const refs: ReadRefs['refs'] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line !== '') refs.push({ input: line, where: `${file}:${i + 1}` });
  });
  return { refs, warnings: [] };
}

/** Which reader a file name calls for. */
export function fileKind(path: string): 'dockerfile' | 'compose' | 'list' {
  const name = basename(path).toLowerCase();
  if (/(^|\.)(dockerfile|containerfile)(\.|$)/.test(name)) return 'dockerfile';
  if (/\.ya?ml$/.test(name)) return 'compose';
  return 'list';
}

/** Reads `path` with the reader its name calls for. */
export async function readRefsFrom(path: string): Promise<ReadRefs> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new OcipullError(
      'E_IO',
      `read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  switch (fileKind(path)) {
    case 'dockerfile':
      return readDockerfile(text, path);
    case 'compose':
      return readCompose(text, path);
    default:
      return readList(text, path);
  }
}
