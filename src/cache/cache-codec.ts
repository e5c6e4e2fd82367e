/**
 * Encryption at rest for the shared cache: every value written to Redis is AES-256-GCM under
 * CACHE_ENCRYPTION_KEY, bound to its Redis key (the key is the GCM additional data, so a value
 * copied under another key does not decrypt). The envelope names its key by id, so
 * CACHE_ENCRYPTION_KEY_PREVIOUS still reads entries written before a rotation:
 *
 *   v1.<key id>.<iv>.<tag>.<ciphertext>     (iv, tag, ciphertext base64url; key id 8 hex chars)
 *
 * A value this codec cannot read (another key, tampered, not an envelope) is a miss, never an error.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { CacheKey } from './cache-key';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export type DecodeFailure = 'unknown_key' | 'auth_failed' | 'malformed';

export type Decoded =
  | { ok: true; plaintext: string; /** written under the previous key: worth re-writing */ stale: boolean }
  | { ok: false; reason: DecodeFailure };

export class CacheCodec {
  constructor(
    private readonly current: CacheKey,
    private readonly previous?: CacheKey,
  ) {}

  encode(aad: string, plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      VERSION,
      this.current.id,
      iv.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
      ciphertext.toString('base64url'),
    ].join('.');
  }

  decode(aad: string, envelope: string): Decoded {
    const parts = envelope.split('.');
    if (parts.length !== 5 || parts[0] !== VERSION) return { ok: false, reason: 'malformed' };
    const [, keyId, iv64, tag64, ciphertext64] = parts;
    const key =
      keyId === this.current.id ? this.current : keyId === this.previous?.id ? this.previous : undefined;
    if (key === undefined) return { ok: false, reason: 'unknown_key' };
    const iv = Buffer.from(iv64, 'base64url');
    const tag = Buffer.from(tag64, 'base64url');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) return { ok: false, reason: 'malformed' };
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(tag);
      const plaintext = Buffer.concat([
        decipher.update(Buffer.from(ciphertext64, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
      return { ok: true, plaintext, stale: key !== this.current };
    } catch {
      return { ok: false, reason: 'auth_failed' };
    }
  }
}
