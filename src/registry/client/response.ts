import { BodyLimits, type TransportResponse } from '../transport/index.js';

/** A response header's first value (undici gives repeated headers as arrays). */
export function headerValue(headers: TransportResponse['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Throws away the rest of a body we will not read (dump closes the connection past the limit). */
export function discard(body: TransportResponse['body']): Promise<void> {
  return body.dump({ limit: BodyLimits.error }).catch(() => undefined);
}
