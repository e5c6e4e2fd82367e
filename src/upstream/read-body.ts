/** Reading an upstream body: whole when small, else as a stream that starts where reading stopped. */
import { Readable } from 'node:stream';

/**
 * The whole body when it ends within `limit` bytes; otherwise a stream of all of it: the chunks
 * read so far, then the rest of `body`. Destroying that stream, read or not, destroys `body`,
 * which frees its connection.
 */
export async function readSmall(body: Readable, limit: number): Promise<Buffer | Readable> {
  const chunks: Buffer[] = [];
  let size = 0;
  const iterator = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  for (;;) {
    const next = await iterator.next();
    if (next.done === true) return Buffer.concat(chunks, size);
    chunks.push(next.value);
    size += next.value.length;
    if (size > limit) break;
  }
  const stream = Readable.from(
    (async function* rest(): AsyncGenerator<Buffer> {
      yield* chunks;
      for (let next = await iterator.next(); next.done !== true; next = await iterator.next())
        yield next.value;
    })(),
    { objectMode: false },
  );
  // A generator never started ignores `return()`: close the body from the stream's side instead.
  stream.once('close', () => body.destroy());
  return stream;
}
