export { type DigestReport, resolveDigest } from './digest.js';
export { type IndexEntry, type InspectReport, inspectImage } from './inspect.js';
export {
  fetchConfig,
  hasImageConfig,
  type ResolvedImage,
  type ResolvedTop,
  resolveImage,
  resolveTop,
  selectFromIndex,
} from './resolve.js';
