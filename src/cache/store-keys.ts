/**
 * The names the cache stores its entries under: `<kind>:` and 32 characters of the key's SHA-256,
 * so that no store (Redis above all) holds a token, an e-mail or a user id in a key name. A warm
 * request looks up four keys: each name is computed once and then remembered (bounded, oldest
 * first out), instead of a SHA-256 per lookup.
 */
import { hash } from 'node:crypto';
import { makeRoom } from '../common/bounded-map';

const MAX_NAMES_PER_KIND = 20_000;

export class StoreKeys<K extends string> {
  private readonly names = new Map<K, Map<string, string>>();

  constructor(private readonly maxPerKind = MAX_NAMES_PER_KIND) {}

  of(kind: K, key: string): string {
    let names = this.names.get(kind);
    if (names === undefined) {
      names = new Map();
      this.names.set(kind, names);
    }
    let name = names.get(key);
    if (name === undefined) {
      name = storeKey(kind, key);
      makeRoom(names, this.maxPerKind);
      names.set(key, name);
    }
    return name;
  }
}

export function storeKey(kind: string, key: string): string {
  return `${kind}:${hash('sha256', key, 'base64url').slice(0, 32)}`;
}
