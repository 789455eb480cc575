/**
 * Public surface of `archive`: writing an OCI layout's images as `oci-archive` or `docker-archive` tars, and writing
 * either to a file atomically. Imports only `oci/layout`, `oci/types`, errors, tar-stream and node builtins.
 * `tar-writer.ts` and `layout-reader.ts` stay internal: they are the mechanics, not a format.
 */
export { STDOUT_FILE, writeArchiveFile } from './archive-file.js';
export { writeDockerArchive } from './docker-archive.js';
export { writeOciArchive } from './oci-archive.js';
export { parseRepoTag, type RepoTag } from './repo-tag.js';
export { indexTar, openTarMember, readTarMember, type TarMember, tarStore } from './tar-store.js';
