export { type BlobTarget, BlobWriter, listPartials } from './blob-writer.js';
export { checkLayoutDestination, type DestinationCheckOptions } from './destination.js';
export { describeIoError, errnoOf, ioError } from './io-error.js';
export {
  hasBlob,
  initLayout,
  REF_NAME,
  readIndex,
  updateIndex,
  verifyBlob,
  withNamedEntry,
  writeBlobBytes,
  writeFileAtomic,
} from './layout.js';
export { processAlive, withLock } from './lock.js';
export { makeDirectories } from './mkdirs.js';
export { BLOBS_DIR, blobPath, INDEX_FILE, LAYOUT_FILE } from './paths.js';
export { isValidRefName } from './ref-name.js';
export {
  type BlobStore,
  directoryStore,
  MAX_DOCUMENT,
  parseIndexJson,
  readStoredDocument,
  requireBlob,
} from './store.js';
