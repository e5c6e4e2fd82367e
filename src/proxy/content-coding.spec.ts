import { deflateRawSync, deflateSync } from 'node:zlib';
import { createDecoder, parseContentCoding } from './content-coding';

describe('parseContentCoding', () => {
  it.each([
    [undefined, 'identity'],
    ['identity', 'identity'],
    [' Identity ', 'identity'],
    ['gzip', 'gzip'],
    ['X-GZIP', 'gzip'],
    ['\tgzip ', 'gzip'],
    ['deflate', 'deflate'],
    ['BR', 'br'],
    [['gzip'], 'gzip'],
  ])('should read %j as %s', (label, coding) => {
    expect(parseContentCoding(label)).toBe(coding);
  });

  it.each([
    'gzip, identity',
    'gzip, gzip',
    'gzip,br',
    'compress',
    'x-compress',
    'zstd',
    'gzip;q=1',
    '',
    ' ',
    ',',
    'gzip gzip',
  ])('should refuse %j', (label) => {
    expect(parseContentCoding(label)).toBeUndefined();
  });

  it('should refuse a repeated header', () => {
    expect(parseContentCoding(['gzip', 'gzip'])).toBeUndefined();
    expect(parseContentCoding([])).toBeUndefined();
  });
});

describe('createDecoder', () => {
  async function decode(coded: Buffer): Promise<string> {
    const decoder = createDecoder('deflate');
    if (decoder === undefined) throw new Error('no decoder');
    const out: Buffer[] = [];
    decoder.on('data', (chunk: Buffer) => out.push(chunk));
    const done = new Promise<void>((resolve, reject) => {
      decoder.on('end', resolve);
      decoder.on('error', reject);
    });
    decoder.end(coded);
    await done;
    return Buffer.concat(out).toString();
  }

  it('should read deflate as the zlib format HTTP defines', async () => {
    await expect(decode(deflateSync(Buffer.from('hello')))).resolves.toBe('hello');
  });

  it('should fail on raw deflate data labelled deflate', async () => {
    await expect(decode(deflateRawSync(Buffer.from('hello')))).rejects.toThrow();
  });

  it('should pass identity through without a decoder', () => {
    expect(createDecoder('identity')).toBeUndefined();
  });
});
