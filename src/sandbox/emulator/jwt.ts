/** JWT signing and verification with node:crypto only (RS256, HS256, none). */
import { createHmac, generateKeyPair, generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

export interface PublicJwk {
  kty: 'RSA';
  n: string;
  e: string;
  kid: string;
  alg: 'RS256';
  use: 'sig';
}

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** the public key as SPKI PEM (the secret of the 'hs256-public-key' confusion attack) */
  publicPem: string;
  jwk: PublicJwk;
}

export type JwtHeader = Record<string, unknown>;
export type JwtPayload = Record<string, unknown>;

function toSigningKey(kidPrefix: string, privateKey: KeyObject, publicKey: KeyObject): SigningKey {
  const kid = `${kidPrefix}-${randomBytes(8).toString('hex')}`;
  const exported = publicKey.export({ format: 'jwk' });
  return {
    kid,
    privateKey,
    publicKey,
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    jwk: { kty: 'RSA', n: String(exported.n), e: String(exported.e), kid, alg: 'RS256', use: 'sig' },
  };
}

export function createSigningKeySync(kidPrefix = 'emu'): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return toSigningKey(kidPrefix, privateKey, publicKey);
}

export function createSigningKey(kidPrefix = 'emu'): Promise<SigningKey> {
  return new Promise((resolve, reject) => {
    generateKeyPair('rsa', { modulusLength: 2048 }, (err, publicKey, privateKey) => {
      if (err) reject(err);
      else resolve(toSigningKey(kidPrefix, privateKey, publicKey));
    });
  });
}

function b64json(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function signRs256(header: JwtHeader, payload: JwtPayload, key: KeyObject): string {
  const input = `${b64json(header)}.${b64json(payload)}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

export function signHs256(header: JwtHeader, payload: JwtPayload, secret: string | Buffer): string {
  const input = `${b64json(header)}.${b64json(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

export function signNone(header: JwtHeader, payload: JwtPayload): string {
  return `${b64json(header)}.${b64json(payload)}.`;
}

export interface DecodedJwt {
  header: JwtHeader;
  payload: JwtPayload;
  signingInput: string;
  signature: Buffer;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header: unknown = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    const payload: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    if (!isObject(header) || !isObject(payload)) return undefined;
    return {
      header,
      payload,
      signingInput: `${parts[0]}.${parts[1]}`,
      signature: Buffer.from(parts[2], 'base64url'),
    };
  } catch {
    return undefined;
  }
}

/**
 * Verifies an RS256 token against the given keys (chosen by kid) and checks `exp`, and `iss`/`aud`
 * when given. Returns the payload, or undefined when anything fails.
 */
export function verifyRs256(
  token: string,
  keys: readonly SigningKey[],
  expect: { issuer?: string; audience?: string; nowS?: number } = {},
): JwtPayload | undefined {
  const decoded = decodeJwt(token);
  if (!decoded || decoded.header.alg !== 'RS256') return undefined;
  const key = keys.find((k) => k.kid === decoded.header.kid);
  if (!key) return undefined;
  if (!verify('sha256', Buffer.from(decoded.signingInput), key.publicKey, decoded.signature))
    return undefined;
  const { payload } = decoded;
  const now = expect.nowS ?? Math.floor(Date.now() / 1000);
  if (typeof payload.exp !== 'number' || payload.exp <= now) return undefined;
  if (expect.issuer !== undefined && payload.iss !== expect.issuer) return undefined;
  if (expect.audience !== undefined) {
    const aud = payload.aud;
    const ok = Array.isArray(aud) ? aud.includes(expect.audience) : aud === expect.audience;
    if (!ok) return undefined;
  }
  return payload;
}

/** `{ a: 1, b: undefined }` applied onto a target: sets a, deletes b. */
export function applyOverrides(target: Record<string, unknown>, overrides?: Record<string, unknown>): void {
  if (!overrides) return;
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete target[name];
    else target[name] = value;
  }
}
