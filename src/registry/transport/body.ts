import { type ErrorCode, OcipullError } from '../../errors.js';

/** Size caps for bodies read whole (PROTOCOL.md "Size limits"). */
export const BodyLimits = {
  manifest: 4 * 1024 * 1024,
  config: 4 * 1024 * 1024,
  token: 1024 * 1024,
  error: 64 * 1024,
} as const;

/**
 * Reads a whole body but never more than `limit` bytes: past the cap it destroys the stream and throws instead of
 * silently truncating (ggcr `internal/limit.ReadAll`). Only for manifests, configs, tokens and error bodies; blobs
 * are always streamed.
 */
export async function readCapped(
  body: AsyncIterable<Uint8Array> & { destroy?: (err?: Error) => unknown },
  limit: number,
  what: { code: ErrorCode; message: string },
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.length;
    if (total > limit) {
      body.destroy?.();
      throw new OcipullError(what.code, `${what.message}: larger than the ${limitText(limit)} limit`);
    }
    chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  return Buffer.concat(chunks, total);
}

/** Reads at most `limit` bytes and discards the rest, for error bodies where a prefix is enough. */
export async function readPrefix(body: AsyncIterable<Uint8Array>, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    if (total < limit) {
      const take = Math.min(chunk.length, limit - total);
      chunks.push(Buffer.from(chunk.subarray(0, take)));
      total += take;
    }
  }
  return Buffer.concat(chunks, total);
}

function limitText(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`;
}
