import { createHash, randomBytes } from 'node:crypto';
import type { CacheKey } from './cache-key';
import { CacheCodec } from './cache-codec';

function cacheKey(): CacheKey {
  const key = randomBytes(32);
  return { key, id: createHash('sha256').update(key).digest('hex').slice(0, 8) };
}

const AAD = 'idp-proxy:user:abc';
const SECRET = 'gho_secret-token-value';

describe(CacheCodec.name, () => {
  const current = cacheKey();
  const previous = cacheKey();

  describe('encode', () => {
    it('should write a v1 envelope naming the key, with no plaintext in it', () => {
      const envelope = new CacheCodec(current).encode(AAD, SECRET);
      expect(envelope).toMatch(/^v1\.[0-9a-f]{8}\.[\w-]{16}\.[\w-]{22}\.[\w-]+$/);
      expect(envelope.split('.')[1]).toBe(current.id);
      expect(envelope).not.toContain(SECRET);
      expect(Buffer.from(envelope.split('.')[4], 'base64url').toString('latin1')).not.toContain('secret');
    });

    it('should use a new IV each time', () => {
      const codec = new CacheCodec(current);
      expect(codec.encode(AAD, SECRET)).not.toBe(codec.encode(AAD, SECRET));
    });
  });

  describe('decode', () => {
    it('should round-trip a value', () => {
      const codec = new CacheCodec(current);
      expect(codec.decode(AAD, codec.encode(AAD, SECRET))).toEqual({
        ok: true,
        plaintext: SECRET,
        stale: false,
      });
    });

    it('should refuse a tampered ciphertext, tag or IV', () => {
      const codec = new CacheCodec(current);
      const parts = codec.encode(AAD, SECRET).split('.');
      for (const index of [2, 3, 4]) {
        const bytes = Buffer.from(parts[index], 'base64url');
        bytes[0] ^= 1;
        const tampered = parts.map((part, i) => (i === index ? bytes.toString('base64url') : part)).join('.');
        expect(codec.decode(AAD, tampered)).toEqual({ ok: false, reason: 'auth_failed' });
      }
    });

    it('should refuse a value moved under another key (the key is the additional data)', () => {
      const codec = new CacheCodec(current);
      expect(codec.decode('idp-proxy:user:other', codec.encode(AAD, SECRET))).toEqual({
        ok: false,
        reason: 'auth_failed',
      });
    });

    it('should treat a value written under an unknown key id as a miss', () => {
      const written = new CacheCodec(cacheKey()).encode(AAD, SECRET);
      expect(new CacheCodec(current, previous).decode(AAD, written)).toEqual({
        ok: false,
        reason: 'unknown_key',
      });
    });

    it('should read a value written under the previous key and mark it stale', () => {
      const written = new CacheCodec(previous).encode(AAD, SECRET);
      expect(new CacheCodec(current, previous).decode(AAD, written)).toEqual({
        ok: true,
        plaintext: SECRET,
        stale: true,
      });
      expect(new CacheCodec(current).decode(AAD, written)).toEqual({ ok: false, reason: 'unknown_key' });
    });

    it('should refuse what is not an envelope', () => {
      const codec = new CacheCodec(current);
      for (const raw of [
        '',
        SECRET,
        '{"v":"x"}',
        `v2.${current.id}.a.b.c`,
        `v1.${current.id}.AAAA.BBBB.CCCC`,
      ]) {
        expect(codec.decode(AAD, raw)).toEqual({ ok: false, reason: 'malformed' });
      }
    });
  });
});
