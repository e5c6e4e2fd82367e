import type { Readable } from 'node:stream';

const ignore = (): void => undefined;

/** Throws an upstream body away. Destroying an undici body emits an abort error: nobody needs it. */
export function discard(body: Readable): void {
  body.once('error', ignore);
  body.destroy();
}
