import { PassThrough, Readable } from 'node:stream';
import { readSmall } from './read-body';

async function all(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('readSmall', () => {
  it('gives a body that ends within the limit whole', async () => {
    const body = Readable.from([Buffer.from('ab'), Buffer.from('cd')], { objectMode: false });
    expect(await readSmall(body, 4)).toEqual(Buffer.from('abcd'));
  });

  it('gives a larger body as a stream of all of it, the read chunks first', async () => {
    const body = new PassThrough();
    const read = readSmall(body, 3);
    body.write('ab');
    body.write('cd');
    body.write('ef');
    body.end('gh');
    const stream = await read;
    expect(Buffer.isBuffer(stream)).toBe(false);
    expect(await all(stream as Readable)).toBe('abcdefgh');
  });

  it('destroys the body when the stream is destroyed unread', async () => {
    const body = new PassThrough();
    const read = readSmall(body, 1);
    body.write('abc');
    const stream = (await read) as Readable;
    stream.destroy();
    await new Promise((ok) => body.once('close', ok));
    expect(body.destroyed).toBe(true);
  });

  it("rejects with the body's error, also one after the limit was passed", async () => {
    const body = new PassThrough();
    const read = readSmall(body, 100);
    body.destroy(new Error('broke'));
    await expect(read).rejects.toThrow('broke');

    const large = new PassThrough();
    const stream = readSmall(large, 1);
    large.write('abc');
    const rest = (await stream) as Readable;
    large.destroy(new Error('broke later'));
    await expect(all(rest)).rejects.toThrow('broke later');
  });

  it('rejects a body closed before its end, and one destroyed before it was read', async () => {
    const body = new PassThrough();
    const read = readSmall(body, 100);
    body.write('ab');
    body.destroy();
    await expect(read).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });

    const gone = new PassThrough();
    gone.on('error', () => undefined);
    gone.destroy(new Error('already'));
    await expect(readSmall(gone, 100)).rejects.toThrow('already');
  });
});
