import type { Readable } from 'node:stream';

/** Bodies up to this size are read to their end, so their connection goes back to the pool. */
const DRAIN_BYTES = 64 * 1024;

const ignore = (): void => undefined;

/**
 * Throws an upstream body away: drained when small (undici's `dump`), else destroyed. Either may
 * emit an abort error on the body: nobody needs it.
 */
export function discard(body: Readable): void {
  const readable = body as Readable & { dump?: (options: { limit: number }) => Promise<void> };
  readable.on('error', ignore);
  if (typeof readable.dump === 'function') readable.dump({ limit: DRAIN_BYTES }).catch(ignore);
  else readable.destroy();
}
